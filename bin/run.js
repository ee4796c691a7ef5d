#!/usr/bin/env node
// Startup is most of a short run (docs/startup.md). The CLI is a few CommonJS bundles (scripts/build.mjs):
// dist/cg.cjs, and the broker clients and YAML parser as files of their own, required on first use. Each is
// compiled through vm.Script with a V8 code cache kept in ~/.cache/cg. The cache is taken after the run, so
// it holds the functions the run compiled (Node's module compile cache, taken at load, holds only the
// top level); it is taken again after the first run of another command, so it ends up covering each
// command used (up to MAX_KEYS kinds of run), and again when V8 rejects it (another Node or other flags).

// Built-in modules through process.getBuiltinModule (Node 20.16+): an ESM import of each makes a module
// facade of all its exports, ~12% of a bare `node -e 0` for these six.
const builtin = (name) => process.getBuiltinModule?.(name) ?? import(`node:${name}`)
const [fs, os, path, url, vm, module] = await Promise.all(['fs', 'os', 'path', 'url', 'vm', 'module'].map(builtin))

// `cg --version` answers without loading the CLI, in oclif's format.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  process.exit(0)
}

const dist = url.fileURLToPath(new URL('../dist', import.meta.url))
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cg')
const MAX_KEYS = 64
// What kind of run this is, for the code caches: the leading words (the command) and whether help is asked.
const words = []
for (const a of argv) {
  if (a.startsWith('-') || words.length === 2) break
  words.push(a)
}
const runKey = (words.join(' ') + (argv.includes('--help') || argv.includes('-h') ? ' --help' : '')).slice(0, 80)

// Other modules (dist/kafka.mjs, ESM) get Node's compile cache where Node has it (22.1+).
module.enableCompileCache?.(cacheDir)
// Code compiled by vm.Script may lack a dynamic-import hook (Node 20 with cached data), so import() in the
// bundles goes through globalThis.__cgImport (scripts/build.mjs routes it there).
globalThis.__cgImport = (specifier) => import(specifier)

const nodeRequire = module.createRequire(path.join(dist, 'cg.cjs'))
const loaded = new Map()
// The bundles require their siblings as ./<name>.cjs; everything else is Node's.
function bundleRequire(id) {
  return id.startsWith('./') && id.endsWith('.cjs') && !id.includes('/', 2) ? load(id.slice(2)) : nodeRequire(id)
}
Object.assign(bundleRequire, {resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions})

function load(name) {
  const hit = loaded.get(name)
  if (hit) return hit.exports
  const file = path.join(dist, name)
  const {source, size, mtimeMs} = readWrapped(file)
  const cacheFile = path.join(cacheDir, `${name}-${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}.v8`)
  // cache file: one line of JSON (the run keys it covers), then V8's cached data
  let keys = []
  let cachedData
  try {
    const raw = fs.readFileSync(cacheFile)
    const nl = raw.indexOf(10)
    keys = JSON.parse(raw.subarray(0, nl).toString())
    cachedData = raw.subarray(nl + 1)
  } catch {}
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  const mod = {exports: {}}
  loaded.set(name, mod)
  const stale = !cachedData || script.cachedDataRejected
  if (stale || (!keys.includes(runKey) && keys.length < MAX_KEYS)) process.once('exit', () => saveCache(script, cacheFile, stale ? [runKey] : [...keys, runKey], name))
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, dist)
  return mod.exports
}

// The file inside a CommonJS function wrapper, as one flat string: the bundles are ASCII (scripts/build.mjs
// makes sure), so latin1 takes the bytes without UTF-8 decoding, and a string over ~1 MB is kept outside
// the V8 heap (gluing the wrapper on as strings made V8 copy the whole source into its heap).
const PREFIX = Buffer.from('(function (exports, require, module, __filename, __dirname) {')
const SUFFIX = Buffer.from('\n})')
function readWrapped(file) {
  const fd = fs.openSync(file, 'r')
  try {
    const {size, mtimeMs} = fs.fstatSync(fd)
    const buf = Buffer.allocUnsafe(PREFIX.length + size + SUFFIX.length)
    PREFIX.copy(buf, 0)
    for (let at = 0, n; at < size; at += n) {
      n = fs.readSync(fd, buf, PREFIX.length + at, size - at, at)
      if (n === 0) throw new Error(`${file}: shorter than its size`)
    }
    SUFFIX.copy(buf, PREFIX.length + size)
    return {source: buf.toString('latin1'), size, mtimeMs}
  } finally {
    fs.closeSync(fd)
  }
}

function saveCache(script, cacheFile, keys, name) {
  try {
    fs.mkdirSync(cacheDir, {recursive: true})
    const tmp = `${cacheFile}.${process.pid}`
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(JSON.stringify(keys) + '\n'), script.createCachedData()]))
    fs.renameSync(tmp, cacheFile)
    // caches of earlier builds of this file for this Node go
    const prefix = `${name}-${process.version}-${process.arch}-`
    for (const f of fs.readdirSync(cacheDir)) {
      if (f.startsWith(prefix) && f.endsWith('.v8') && path.join(cacheDir, f) !== cacheFile) fs.rmSync(path.join(cacheDir, f), {force: true})
    }
  } catch {}
}

const cli = load('cg.cjs')
globalThis.__cgBundle = cli
await cli.execute({dir: import.meta.url})
