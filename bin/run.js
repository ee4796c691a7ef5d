#!/usr/bin/env node
// Startup is most of a short run (docs/startup.md). The CLI is a few CommonJS bundles (scripts/build.mjs):
// dist/cg.cjs (with the Redis driver and client), and the Kafka and RabbitMQ drivers, the RabbitMQ clients and
// the YAML parser as files of their own, required on first use. Each is
// compiled through vm.Script with V8 cached data kept in ~/.cache/cg, one cache per bundle and command:
// taken after the command's first run, it holds what that run compiled (Node's module compile cache, taken
// at load, holds only the top level), and no more (deserializing another command's code costs time too).

// CommonJS (bin/package.json says so, the package being ESM): on Node 20 an ES module entry costs ~3 ms
// more to start, and an ESM import of a built-in makes a facade of all its exports.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const {createRequire, enableCompileCache} = require('node:module')

const root = path.dirname(__dirname)
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
// oclif checks Node against the engines of this package.json (scripts/build-patches.mjs): not read twice
globalThis.__cgPackageJson = {file: path.join(root, 'package.json'), json: pkg}

// `cg --version` answers without loading the CLI, in oclif's format.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  process.exit(0)
}

// @oclif/core checks Node against its own engines (>=22) when a plugin imports it from node_modules (the
// not-found plugin does): cg's engines say where cg runs (20.19+ too), so that one warning is not printed.
if (Number(process.versions.node.split('.')[0]) < 22) {
  const emitWarning = process.emitWarning
  process.emitWarning = function (warning, ...rest) {
    if (typeof warning === 'string' && warning.startsWith('Node version must be ')) return
    return emitWarning.call(this, warning, ...rest)
  }
}

const dist = path.join(root, 'dist')
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cg')
// The command (or topic) word, and whether help is asked: what a run's code cache is kept under.
const word = /^[a-z][a-z0-9-]{0,39}$/.test(argv[0] ?? '') ? argv[0] : ''
const runKey = word + (argv.includes('--help') || argv.includes('-h') ? '+help' : '') || 'none'
// at most this many caches per bundle build and Node version; other kinds of run compile without one
const MAX_CACHES = 32
// Installs (checkouts, global and local installs) share the cache directory: file names carry a hash of
// this one's path, so a new build replaces only its own caches.
let hash = 0x811c9dc5
for (let i = 0; i < root.length; i++) hash = Math.imul(hash ^ root.charCodeAt(i), 0x01000193)
const install = (hash >>> 0).toString(16).padStart(8, '0')

// Code compiled by vm.Script may lack a dynamic-import hook (Node 20 with cached data), so import() in the
// bundles goes through here (scripts/build.mjs routes it). What is imported (plugins' ESM, dist/kafka.mjs)
// gets Node's module compile cache where Node has it (22.1+).
globalThis.__cgImport = (specifier) => {
  enableCompileCache?.(cacheDir)
  return import(specifier)
}

const nodeRequire = createRequire(path.join(dist, 'cg.cjs'))
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
  const build = `${name}-${install}-${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}-`
  const cacheFile = path.join(cacheDir, `${build}${runKey}.v8`)
  let cachedData
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {}
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => saveCache(script, cacheFile, name, build))
  const mod = {exports: {}}
  loaded.set(name, mod)
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, dist)
  return mod.exports
}

// The file inside a CommonJS function wrapper, as one flat string: the bundles are ASCII (scripts/build.mjs
// makes sure), so latin1 takes the bytes without UTF-8 decoding, and a string of EXTERNAL bytes or more is
// kept outside the V8 heap (gluing the wrapper on as strings made V8 copy the whole source into its heap).
// Node makes a latin1 string of EXTERNAL bytes or more an external one (EXTERN_APEX in its string_bytes.cc);
// below that it goes into the young generation, where 1 MB brings a scavenge forward: a bundle of half that
// or more (dist/cg.cjs) is padded with spaces to EXTERNAL, which costs less than the scavenge.
const PREFIX = Buffer.from('(function (exports, require, module, __filename, __dirname) {')
const SUFFIX = Buffer.from('\n})')
const EXTERNAL = 0xfbee9
function readWrapped(file) {
  const fd = fs.openSync(file, 'r')
  try {
    const {size, mtimeMs} = fs.fstatSync(fd)
    const wrapped = PREFIX.length + size + SUFFIX.length
    const padding = wrapped >= EXTERNAL / 2 && wrapped < EXTERNAL ? EXTERNAL - wrapped : 0
    const buf = Buffer.allocUnsafe(wrapped + padding)
    PREFIX.copy(buf, 0)
    for (let at = 0, n; at < size; at += n) {
      n = fs.readSync(fd, buf, PREFIX.length + at, size - at, at)
      if (n === 0) throw new Error(`${file}: shorter than its size`)
    }
    buf.fill(0x20, PREFIX.length + size, PREFIX.length + size + padding)
    SUFFIX.copy(buf, PREFIX.length + size + padding)
    return {source: buf.toString('latin1'), size, mtimeMs}
  } finally {
    fs.closeSync(fd)
  }
}

// Written at exit (what the run compiled), atomically; caches of this bundle's earlier builds go.
function saveCache(script, cacheFile, name, build) {
  try {
    fs.mkdirSync(cacheDir, {recursive: true})
    const caches = fs.readdirSync(cacheDir).filter((f) => f.startsWith(`${name}-${install}-${process.version}-${process.arch}-`) && f.endsWith('.v8'))
    for (const f of caches) if (!f.startsWith(build)) fs.rmSync(path.join(cacheDir, f), {force: true})
    const ofBuild = caches.filter((f) => f.startsWith(build))
    if (ofBuild.length >= MAX_CACHES && !ofBuild.includes(path.basename(cacheFile))) return
    const tmp = `${cacheFile}.${process.pid}`
    fs.writeFileSync(tmp, script.createCachedData())
    fs.renameSync(tmp, cacheFile)
  } catch {}
}

const cli = load('cg.cjs')
globalThis.__cgBundle = cli
// A run of one of cg's own commands (not autocomplete, no help asked) needs nothing of oclif's Config: the
// core plugins bring the help and autocomplete commands and a hook for unknown commands, the manifest the
// other commands, and cg has no hooks of its own (were some added to package.json, every run would go through
// oclif again). runOwn() makes the command with the few names it and oclif's Command read and runs it as
// oclif would (Command#_run: init, which parses the flags, run, catch, finally); an error that escapes the
// command's own catch goes to oclif's handler. The other runs (help, autocomplete, an unknown command, a
// topic) go through oclif's execute, which loads the Config first.
const topic = `${argv[0]}:${argv[1]}`
const id = Object.hasOwn(cli.COMMANDS, topic) ? topic : Object.hasOwn(cli.COMMANDS, argv[0] ?? '') ? argv[0] : undefined
const ownCommand = id !== undefined && id !== 'autocomplete' && !argv.includes('--help') && !argv.includes('-h') && !pkg.oclif.hooks
function runOwn() {
  const Command = cli.COMMANDS[id]
  Command.id = id
  const {bin, topicSeparator} = pkg.oclif
  const scoped = (name) => `${bin.replaceAll('@', '').replaceAll(/[-/]/g, '_')}_${name}`.toUpperCase()
  const config = {
    root,
    pjson: pkg,
    name: pkg.name,
    version: pkg.version,
    bin,
    binAliases: [],
    topicSeparator,
    isSingleCommandCLI: false,
    userAgent: `${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}`,
    commandIDs: Object.keys(cli.COMMANDS),
    findCommand: (name) => (name === id ? Command : undefined),
    runHook: async () => ({successes: [], failures: []}),
    scopedEnvVarKey: scoped,
    scopedEnvVarKeys: (name) => [scoped(name)],
    scopedEnvVar: (name) => process.env[scoped(name)],
  }
  return new Command(argv.slice(id.split(':').length), config)._run().catch((error) => cli.handle(error))
}

// Once the command has finished and its output is written, the process ends (as oclif ends it after an
// error) instead of waiting for sockets to close and tearing down the heap. Written means handed to the
// system: a write to a full pipe waits in the stream's queue, and an exit before it drains would cut the
// output (an empty write's callback comes after every earlier write, or with the error of a closed stream).
const written = (stream) =>
  new Promise((resolve) => {
    if (!stream.writableLength) return resolve()
    stream.once('error', () => resolve())
    stream.write('', () => resolve())
  })
;(ownCommand ? runOwn() : cli.execute({loadOptions: {root, pjson: pkg}}))
  .then(() => Promise.all([written(process.stdout), written(process.stderr)]))
  .then(() => process.exit())
