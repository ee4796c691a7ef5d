import type {Reporter, TestModule} from 'vitest/node'

/** Ends the run with one plain line, "tests: N passed, N failed, N skipped", that any CI can read. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const m of modules) {
      let failedHere = 0
      let notRun = 0
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failedHere++
        else notRun++
      }
      // a file that failed with no failed test (a failed beforeAll / afterAll, an import error): the tests it
      // did not run count as failed, never as skipped (and an empty file as one failure)
      if (m.state() === 'failed' && failedHere === 0) failed += Math.max(1, notRun)
      else {
        failed += failedHere
        skipped += notRun
      }
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
