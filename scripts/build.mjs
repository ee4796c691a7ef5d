// Builds the CLI so a run loads only what it runs (docs/startup.md has the measurements behind each step):
//   dist/cg.cjs        @oclif/core, every command and the Redis driver with its client (ioredis): Redis is the
//                      default broker; a command's module is evaluated only when it runs
//   dist/amqplib.cjs   the RabbitMQ client, dist/yaml.cjs the profiles file parser,
//                      dist/rabbitmq-stream-js-client.cjs the RabbitMQ stream protocol client
//                      (each one file, required on first use in place of the package)
//   dist/kafka.mjs     the Kafka client (ESM: it finds its WebAssembly relative to import.meta.url)
//   dist/broker-kafka.cjs, dist/broker-rabbitmq.cjs
//                      cg's Kafka and RabbitMQ drivers (src/brokers/<broker>/), required when a command runs
//                      on that broker: a Redis run reads neither (the Redis driver stays in dist/cg.cjs)
// bin/run.js compiles the CommonJS files through vm.Script with V8 code caches kept in ~/.cache/cg.
import {build, transform} from 'esbuild'
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
// a module that requires ./<name>.cjs (bin/run.js loads it with its own code cache), so import('amqplib')
// stays a require esbuild wraps in a promise, as for any bundled package. ioredis is not one: a Redis run
// (the default broker) then reads one file, and its source is one string outside the V8 heap (bin/run.js)
// instead of 460 KB more in the young generation, which brought a scavenge forward.
const CHUNKS = ['amqplib', 'yaml', 'rabbitmq-stream-js-client']
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
    b.onResolve({filter: new RegExp(`^\\./(${['cg', ...LAZY_BUNDLES].map(escapeRegExp).join('|')})\\.cjs$`)}, (args) => ({path: args.path, external: true}))
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

// Every broker folder but the default broker's (Redis, in dist/cg.cjs with its client) is a bundle of its own:
// src/brokers/<broker>/ -> dist/broker-<broker>.cjs. Only the registry imports a broker's folder
// (src/brokers/registry.ts), so in dist/cg.cjs each such import becomes a require of the broker's bundle.
// What a broker's files import from the rest of src/ stays one module, the one in dist/cg.cjs: the broker's
// bundle requires it from there (dist/cg.cjs lists those modules under `__shared`), so classes, caches and
// state are the same objects whichever bundle uses them.
const srcDir = join(root, 'src')
const BROKER_CHUNKS = readdirSync(join(srcDir, 'brokers'))
  .filter((f) => f !== 'redis' && statSync(join(srcDir, 'brokers', f)).isDirectory())
  .sort()
/** the CommonJS bundles beside dist/cg.cjs, required on first use: the broker folders', then the packages' */
const LAZY_BUNDLES = [...BROKER_CHUNKS.map((b) => `broker-${b}`), ...CHUNKS]
const brokerOf = (file) => BROKER_CHUNKS.find((b) => file.startsWith(join(srcDir, 'brokers', b) + sep))
const srcPath = (file) => relative(root, file).split(sep).join('/')
/** a relative import of a TypeScript source (written with .js, as tsc wants) -> the file, else undefined */
const tsSource = (args) => {
  if (!args.path.startsWith('.') || !args.importer.startsWith(srcDir)) return undefined
  const file = join(dirname(args.importer), args.path.replace(/\.js$/, '.ts'))
  return file.startsWith(srcDir + sep) ? file : undefined
}
/** an import of a broker bundle's file from outside that broker's folder -> {file, broker}, else undefined */
const brokerImport = (args) => {
  const file = tsSource(args)
  const broker = file && brokerOf(file)
  return broker && brokerOf(args.importer) !== broker ? {file, broker} : undefined
}
/** in dist/cg.cjs: an import of a broker bundle's file from outside its folder -> that bundle's export */
const brokerChunkImports = {
  name: 'broker-chunks',
  setup(b) {
    b.onResolve({filter: /^\./}, (args) => {
      const found = brokerImport(args)
      return found && {path: srcPath(found.file), namespace: `broker-${found.broker}`}
    })
    for (const broker of BROKER_CHUNKS) {
      b.onLoad({filter: /.*/, namespace: `broker-${broker}`}, (args) => ({
        contents: `module.exports = require('./broker-${broker}.cjs')[${JSON.stringify(args.path)}]`,
        loader: 'js',
      }))
    }
  },
}
/** in a broker's bundle: an import of cg's other sources -> dist/cg.cjs's module (noted for `__shared`) */
const shared = new Set()
const sharedImports = (broker) => ({
  name: 'shared-imports',
  setup(b) {
    b.onResolve({filter: /^\./}, (args) => {
      const file = tsSource(args)
      if (!file || brokerOf(file) === broker) return undefined
      shared.add(srcPath(file))
      return {path: srcPath(file), namespace: 'shared'}
    })
    b.onLoad({filter: /.*/, namespace: 'shared'}, (args) => ({
      contents: `module.exports = require('./cg.cjs').__shared[${JSON.stringify(args.path)}]`,
      loader: 'js',
    }))
  },
})
/** a broker bundle's entry: each file the rest of cg imports from the folder, by its path */
const brokerEntry = (broker, files) =>
  `module.exports = {${files.map((f) => `get ${JSON.stringify(f)}() { return require(${JSON.stringify(`./${f}`)}) }`).join(', ')}}`

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
// The files of a broker's folder that the rest of cg imports (the registry's driver and views).
const brokerFiles = Object.fromEntries(BROKER_CHUNKS.map((b) => [b, new Set()]))
await build({
  ...common,
  stdin: {contents: entry, resolveDir: root, sourcefile: 'cg-entry.ts', loader: 'ts'},
  write: false,
  outfile: join(dist, 'probe.cjs'),
  external: ['typescript', '@platformatic/kafka'],
  plugins: [
    {
      name: 'broker-files',
      setup(b) {
        b.onResolve({filter: /^\./}, (args) => {
          const found = brokerImport(args)
          if (!found) return undefined
          brokerFiles[found.broker].add(srcPath(found.file))
          return {path: found.file, external: true}
        })
      },
    },
    chunkExternals,
    lazyBuiltins,
  ],
  logLevel: 'silent',
})
for (const broker of BROKER_CHUNKS) {
  await build({
    ...common,
    stdin: {contents: brokerEntry(broker, [...brokerFiles[broker]].sort()), resolveDir: root, sourcefile: `broker-${broker}-entry.js`},
    format: 'cjs',
    outfile: join(dist, `broker-${broker}.cjs`),
    external: ['typescript', '@platformatic/kafka'],
    plugins: [sharedImports(broker), chunkExternals, lazyBuiltins, editDependencies({routeDynamicImports: true})],
    banner: {js: 'var __cgImport = (s) => (globalThis.__cgImport ?? ((x) => import(x)))(s);'},
  })
}
const sharedEntry = ['export const __shared = {', ...[...shared].sort().map((f) => `  get ${JSON.stringify(f)}() { return require('./${f}') },`), '}'].join(
  '\n',
)
await build({
  ...common,
  stdin: {contents: `${entry}\n${sharedEntry}`, resolveDir: root, sourcefile: 'cg-entry.ts', loader: 'ts'},
  format: 'cjs',
  outfile: join(dist, 'cg.cjs'),
  // oclif can load TypeScript sources in development through `typescript`; cg never does.
  // @platformatic/kafka loads WebAssembly relative to its own import.meta.url, so it gets a bundle of its
  // own, dist/kafka.mjs (ESM, below), imported on first use (src/brokers/kafka/kafka-adapter.ts).
  external: ['typescript', '@platformatic/kafka'],
  plugins: [brokerChunkImports, chunkExternals, lazyBuiltins, editDependencies({routeDynamicImports: true})],
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

// The bundles without their indentation, line breaks and comments (names kept: stack traces under --verbose
// still name the functions): reading dist/cg.cjs and copying it into a string is a part of every run that
// grows with its size (1.54 MB -> 1.06 MB).
const minified = async (code) => (await transform(code, {minifyWhitespace: true, charset: 'ascii', legalComments: 'none', target: 'node20'})).code

// Two rewrites of the CommonJS bundles:
// - bin/run.js reads them as latin1, which takes the bytes as they are (UTF-8 decoding a 1 MB file costs
//   more than reading it), so they must be ASCII. esbuild escapes everything but the inside of regular
//   expression literals; the few characters left there (ansis has one) become \u escapes, which mean the same.
// - `import fs from 'node:fs'` in an ES module becomes __toESM(require("node:fs")), which copies each of the
//   built-in's ~100 exports onto a new object (~8 such imports run at startup). An object whose prototype
//   is the module reads the same: `default` is the module, every other name is the module's.
const builtinESM = 'var __cgBuiltinESM = (mod) => Object.create(mod, {default: {value: mod, enumerable: true}});\n'
for (const name of ['cg', ...LAZY_BUNDLES]) {
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
  writeFileSync(file, await minified(builtins ? builtinESM + text : text))
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
console.log(`bundled ${ids.length} commands into dist/cg.cjs; ${LAZY_BUNDLES.map((c) => `dist/${c}.cjs`).join(', ')} on first use`)
