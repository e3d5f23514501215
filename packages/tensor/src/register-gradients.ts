// Side-effect import: registers tfjs-core's gradient for every built-in kernel. The
// `@tensorflow/tfjs-core` entry point registers none (only the `@tensorflow/tfjs` union
// bundle does), and this file is bundled into our dist because Node cannot import it.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import './extra-gradients.js';
