import { webgpuSuitesConfig } from '../../vitest.webgpu.shared.js';
import base from './vitest.config.js';

export default webgpuSuitesConfig(base);
