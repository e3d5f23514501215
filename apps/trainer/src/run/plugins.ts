// Side-effect imports: every plug-in package registers its types into @crat/core's
// registries on import. A config names a plug-in by `type`; it must be registered here.
import '@crat/crat-transfuse';
import '@crat/loss-eqlv2';
import '@crat/loss-group-softmax';
import '@crat/loss-seesaw';
import '@crat/samplers';
// The detector `crat train` / `crat test` build (@crat/detector's Mask R-CNN).
import './detector-adapter.js';
