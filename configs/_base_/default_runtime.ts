import { defineConfig } from '@crat/trainer';

// The run's seed and backend (test-time settings are the model's: `model.test`).
export default defineConfig({
  seed: 0,
  backend: 'auto',
});
