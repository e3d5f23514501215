// Side-effect imports: every plug-in package registers its types into @crat/core's
// registries on import. A config names a plug-in by `type`; it must be registered here.
import '@crat/crat-transfuse';
import '@crat/samplers';
