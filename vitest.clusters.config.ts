import {defineConfig} from 'vitest/config'

// The cluster phase (scripts/test-clusters.sh): tests that stop and start nodes of a cluster run one file
// at a time, against the one deployment that phase started.
export default defineConfig({
  test: {
    include: ['test/clusters/**/*.test.ts'],
    setupFiles: ['src/compat/node20.js'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
