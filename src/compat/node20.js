// @platformatic/kafka 2 declares Node >= 22.22; on Node 20 (end-of-life, still supported by cg) the one
// runtime API it lacks is Promise.withResolvers (zstd it already treats as optional). scripts/build.mjs puts
// this file at the top of dist/kafka.mjs; vitest loads it for tests that use the client directly.
Promise.withResolvers ??= function () {
  let resolve, reject
  const promise = new this((a, b) => {
    resolve = a
    reject = b
  })
  return {promise, resolve, reject}
}
