export {
  activeBackend,
  type BackendChoice,
  type BackendName,
  BackendUnavailableError,
  initBackend,
  isBackendInstalled,
  onBackendInit,
} from './backend.js';
