import {configDefaults, defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the clustered deployments have their own phase (scripts/test-clusters.sh, vitest.clusters.config.ts)
    exclude: [...configDefaults.exclude, 'test/clusters/**'],
    // Tests drive @platformatic/kafka directly; on Node 20 it needs the same shim as dist/kafka.mjs.
    setupFiles: ['src/compat/node20.js'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share real brokers; files run in parallel, keys are unique per test.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
