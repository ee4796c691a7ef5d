// Builds the CLI so a run loads only what it runs (docs/startup.md has the measurements behind each step):
//   dist/cg.cjs        @oclif/core and every command, a command's module evaluated only when it runs
//   dist/ioredis.cjs   the Redis client, dist/amqplib.cjs the RabbitMQ client, dist/yaml.cjs the profiles
//                      file parser, dist/rabbitmq-stream-js-client.cjs the RabbitMQ stream protocol client
//                      (each one file, required on first use in place of the package)
//   dist/kafka.mjs     the Kafka client (ESM: it finds its WebAssembly relative to import.meta.url)
// bin/run.js compiles the CommonJS files through vm.Script with V8 code caches kept in ~/.cache/cg.
import {build} from 'esbuild'
import {copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {builtinModules, createRequire} from 'node:module'
import {dirname, join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {JSON_FIELDS, patches} from './build-patches.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const commandsDir = join(root, 'src', 'commands')
const require = createRequire(import.meta.url)

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : []
  })
}

// src/commands/dlq/replay.ts -> command id "dlq:replay". oclif reads a command's metadata from
// oclif.manifest.json and takes the class from COMMANDS[id] only to run it, so each entry is a getter:
// the other commands' modules (and what they import) are never evaluated.
const files = walk(commandsDir).sort()
const ids = files.map((f) => relative(commandsDir, f).replace(/\.ts$/, '').split(sep).join(':'))
const entry = [
  "export {execute, handle} from '@oclif/core'",
  'export const COMMANDS = {',
  ...files.map((f, i) => `  get ${JSON.stringify(ids[i])}() { return require('./${relative(root, f).split(sep).join('/')}').default },`),
  '}',
].join('\n')

// Built-in modules whose loading costs startup time (tls alone ~15 ms on Node 22 and 24, crypto ~4 ms) and
// that most runs never use (a redis:// connection needs no TLS): the bundle gets a stand-in with the same
// export names, each a getter that requires the module on first use (for assert, itself a function, the
// stand-in is a function that calls it).
const LAZY_BUILTINS = ['tls', 'https', 'crypto', 'child_process', 'readline', 'dns', 'perf_hooks', 'fs/promises', 'assert', 'tty']
// tty loads net (and the socket and stream modules) to answer isatty(), asked at load by supports-color and
// oclif: a descriptor that is not a character device, or is /dev/null, is no terminal, which fstat tells;
// any other one is asked of tty itself.
const TTY_ISATTY = `function isatty(fd) {
  if (process.platform !== 'win32' && Number.isInteger(fd) && fd >= 0 && fd <= 2147483647) {
    const fs = require('node:fs')
    let stat
    try {
      stat = fs.fstatSync(fd)
    } catch {
      return false
    }
    if (!stat.isCharacterDevice()) return false
    try {
      if (stat.rdev === fs.statSync('/dev/null').rdev) return false
    } catch {}
  }
  return load().isatty(fd)
}`
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`)
    b.onResolve({filter}, (args) =>
      args.namespace === 'lazy-builtin' ? {path: args.path, external: true} : {path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin'},
    )
    b.onLoad({filter: /.*/, namespace: 'lazy-builtin'}, (args) => {
      const real = require(`node:${args.path}`)
      const callable = typeof real === 'function'
      const names = Object.keys(real).filter((k) => !callable || !['length', 'name', 'prototype'].includes(k))
      const props = names.map((k) =>
        args.path === 'tty' && k === 'isatty'
          ? `"isatty": {enumerable: true, writable: true, configurable: true, value: ${TTY_ISATTY}}`
          : `${JSON.stringify(k)}: {enumerable: true, get: () => load()[${JSON.stringify(k)}]}`,
      )
      const target = callable ? 'function (...args) { return load().apply(this, args) }' : '{}'
      return {
        contents: `let m\nconst load = () => (m ??= require('node:${args.path}'))\nmodule.exports = Object.defineProperties(${target}, {${props.join(', ')}})\n`,
        loader: 'js',
      }
    })
  },
}

// Packages imported on first use that are big enough to be files of their own: in the main bundle each is
// a module that requires ./<name>.cjs (bin/run.js loads it with its own code cache), so import('ioredis')
// stays a require esbuild wraps in a promise, as for any bundled package.
const CHUNKS = ['ioredis', 'amqplib', 'yaml', 'rabbitmq-stream-js-client']
// Files of a chunk's package that cg imports by path (src/brokers/rabbitmq/rabbitmq-stream-client.ts patches
// the stream client's Connection): the chunk carries them too, under `__files`, so they stay one module.
const CHUNK_FILES = {'rabbitmq-stream-js-client': ['dist/connection.js']}
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const chunkFiles = Object.entries(CHUNK_FILES).flatMap(([name, files]) => files.map((f) => `${name}/${f}`))
const chunkExternals = {
  name: 'chunks',
  setup(b) {
    b.onResolve({filter: new RegExp(`^(${CHUNKS.map(escapeRegExp).join('|')})$`)}, (args) => ({path: args.path, namespace: 'chunk'}))
    if (chunkFiles.length)
      b.onResolve({filter: new RegExp(`^(${chunkFiles.map(escapeRegExp).join('|')})$`)}, (args) => ({path: args.path, namespace: 'chunk-file'}))
    b.onResolve({filter: new RegExp(`^\\./(${CHUNKS.map(escapeRegExp).join('|')})\\.cjs$`)}, (args) => ({path: args.path, external: true}))
    b.onLoad({filter: /.*/, namespace: 'chunk'}, (args) => ({contents: `module.exports = require('./${args.path}.cjs')`, loader: 'js'}))
    b.onLoad({filter: /.*/, namespace: 'chunk-file'}, (args) => {
      const name = CHUNKS.find((n) => args.path.startsWith(`${n}/`))
      return {contents: `module.exports = require('./${name}.cjs').__files[${JSON.stringify(args.path.slice(name.length + 1))}]`, loader: 'js'}
    })
  },
}
/** a chunk's entry: the package, and the files of CHUNK_FILES under `__files` */
const chunkEntry = (name) =>
  CHUNK_FILES[name]
    ? `module.exports = Object.assign({}, require(${JSON.stringify(name)}), {__files: {${CHUNK_FILES[name].map((f) => `${JSON.stringify(f)}: require(${JSON.stringify(`${name}/${f}`)})`).join(', ')}}})`
    : `module.exports = require(${JSON.stringify(name)})`

// Node 20 compiles code from V8 cached data without a dynamic-import hook, so the import() calls of
// dependencies that load files at run time (oclif loading ESM plugins and hooks) go through bin/run.js's
// own import(). An import() of a package name is left to esbuild, which bundles it.
const routeImports = (text) => text.replace(/(^|[^.\w$])import\s*\((?!\s*['")])/g, '$1__cgImport(')

// The dependencies' files as esbuild loads them: with their patches (scripts/build-patches.mjs), and in the
// main bundle with import() routed.
const PATCHES = await patches(root)
const applied = new Set()
const editDependencies = ({routeDynamicImports}) => ({
  name: 'edit-dependencies',
  setup(b) {
    for (const {file, keep} of JSON_FIELDS) {
      b.onLoad({filter: file}, async (args) => {
        const json = JSON.parse(await readFile(args.path, 'utf8'))
        return {contents: JSON.stringify(Object.fromEntries(keep.map((k) => [k, json[k]]))), loader: 'json'}
      })
    }
    b.onLoad({filter: /node_modules[\\/].*\.[cm]?js$/}, async (args) => {
      const original = await readFile(args.path, 'utf8')
      let text = original
      for (const p of PATCHES.filter((x) => x.file.test(args.path))) {
        if (text.split(p.find).length !== 2) throw new Error(`${args.path}: the text to patch changed; update scripts/build-patches.mjs:\n${p.find}`)
        text = text.replace(p.find, () => p.replace)
        applied.add(p)
        // helpers go first (after a "use strict" directive): module code may call them before its end
        if (p.helper) text = text.replace(/^(['"]use strict['"];?\n)?/, (directive) => `${directive}${p.helper}\n`)
      }
      if (routeDynamicImports && /\bimport\s*\(/.test(text)) text = routeImports(text)
      return text === original ? undefined : {contents: text, loader: 'js'}
    })
  },
})

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
}

rmSync(dist, {recursive: true, force: true})
mkdirSync(dist, {recursive: true})
await build({
  ...common,
  stdin: {contents: entry, resolveDir: root, sourcefile: 'cg-entry.ts', loader: 'ts'},
  format: 'cjs',
  outfile: join(dist, 'cg.cjs'),
  // oclif can load TypeScript sources in development through `typescript`; cg never does.
  // @platformatic/kafka loads WebAssembly relative to its own import.meta.url, so it gets a bundle of its
  // own, dist/kafka.mjs (ESM, below), imported on first use (src/brokers/kafka/kafka-adapter.ts).
  external: ['typescript', '@platformatic/kafka'],
  plugins: [chunkExternals, lazyBuiltins, editDependencies({routeDynamicImports: true})],
  banner: {js: 'var __cgImport = (s) => (globalThis.__cgImport ?? ((x) => import(x)))(s);'},
})
for (const name of CHUNKS) {
  await build({
    ...common,
    stdin: {contents: chunkEntry(name), resolveDir: root, sourcefile: `${name}-entry.js`},
    format: 'cjs',
    outfile: join(dist, `${name}.cjs`),
    plugins: [lazyBuiltins, editDependencies({routeDynamicImports: false})],
  })
}
const unused = PATCHES.filter((p) => !applied.has(p))
if (unused.length) throw new Error(`patches for files no longer bundled; update scripts/build-patches.mjs:\n${unused.map((p) => p.file).join('\n')}`)

// Two rewrites of the CommonJS bundles:
// - bin/run.js reads them as latin1, which takes the bytes as they are (UTF-8 decoding a 1 MB file costs
//   more than reading it), so they must be ASCII. esbuild escapes everything but the inside of regular
//   expression literals; the few characters left there (ansis has one) become \u escapes, which mean the same.
// - `import fs from 'node:fs'` in an ES module becomes __toESM(require("node:fs")), which copies each of the
//   built-in's ~100 exports onto a new object (~8 such imports run at startup). An object whose prototype
//   is the module reads the same: `default` is the module, every other name is the module's.
const builtinESM = 'var __cgBuiltinESM = (mod) => Object.create(mod, {default: {value: mod, enumerable: true}});\n'
for (const name of ['cg', ...CHUNKS]) {
  const file = join(dist, `${name}.cjs`)
  let text = await readFile(file, 'utf8')
  if (/\\[^\x00-\x7f]/.test(text)) throw new Error(`${file}: an escaped non-ASCII character; the \\u rewrite below would change it`)
  text = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  let builtins = 0
  text = text.replace(/__toESM\((require\("(?:node:)?([a-z_/]+)"\))(?:, 1)?\)/g, (call, req, id) => {
    if (!builtinModules.includes(id)) return call
    builtins++
    return `__cgBuiltinESM(${req})`
  })
  // The same for a CommonJS package imported by an ES module: esbuild's __toESM copies each export onto a new
  // object as a getter, one defineProperty each (~280 at startup, a new map per property); an object whose
  // prototype is the module reads the same (nothing in the bundles lists such an object's own keys).
  const toESM =
    /^var __toESM = \(mod, isNodeMode, target\) => \(target = mod != null \? __create\(__getProtoOf\(mod\)\) : \{\}, __copyProps\([\s\S]*?\n\)\);\n/m
  if (text.includes('var __toESM = ')) {
    if (!toESM.test(text)) throw new Error(`${file}: esbuild's __toESM changed; update the rewrite in scripts/build.mjs`)
    text = text.replace(
      toESM,
      'var __toESM = (mod, isNodeMode) => mod == null ? {} : isNodeMode || !mod.__esModule ? __create(mod, { default: { value: mod, enumerable: true } }) : __create(mod);\n',
    )
  }
  writeFileSync(file, builtins ? builtinESM + text : text)
}

// The Kafka client as one ESM file: loading its ~175 modules one by one took ~200 ms, and compiling its
// ~40 option schemas (ajv) at load another ~200 ms. Here each schema compiles on first use instead (the
// validator keeps the library's contract: call it, then read .errors). Its WebAssembly helper reads
// ../dist/native.wasm relative to the bundle, so the file is copied beside it.
const lazyAjv = {
  name: 'lazy-ajv',
  setup(b) {
    b.onLoad({filter: /@platformatic[\\/]kafka[\\/]dist[\\/]utils\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const line = /^export const ajv = new Ajv2020\(.*\);$/m.exec(text)
      if (!line) throw new Error('@platformatic/kafka: the ajv instance line changed; update scripts/build.mjs (lazy-ajv)')
      const lazy =
        '\n{ const compileNow = ajv.compile.bind(ajv); ajv.compile = (schema) => { let v; const f = function (data) { v ??= compileNow(schema); const ok = v.call(this, data); f.errors = v.errors; return ok; }; f.errors = null; return f; }; }'
      return {contents: text.replace(line[0], line[0] + lazy), loader: 'js'}
    })
  },
}
await build({
  ...common,
  entryPoints: [join(root, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js')],
  format: 'esm',
  outfile: join(dist, 'kafka.mjs'),
  plugins: [lazyAjv],
  banner: {
    js:
      "import {createRequire as __cgCreateRequire} from 'node:module'; const require = __cgCreateRequire(import.meta.url);\n" +
      (await readFile(join(root, 'src', 'compat', 'node20.js'), 'utf8')),
  },
})
copyFileSync(join(root, 'node_modules', '@platformatic', 'wasm-utils', 'dist', 'native.wasm'), join(dist, 'native.wasm'))

writeFileSync(
  join(dist, 'commands.cjs'),
  "// oclif's explicit command target: the bundle bin/run.js already loaded, so one copy of everything.\n" +
    "module.exports = globalThis.__cgBundle ?? require('./cg.cjs')\n",
)
console.log(`bundled ${ids.length} commands into dist/cg.cjs; ${CHUNKS.map((c) => `dist/${c}.cjs`).join(', ')} on first use`)
