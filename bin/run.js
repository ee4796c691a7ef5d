#!/usr/bin/env node
// Startup is most of a short run, so the CLI is one bundle (dist/cg.cjs) whose compiled code is cached on
// disk: by Node's module compile cache where Node has it (22.1+), else (Node 20) by loading the bundle
// through vm.Script with V8 cached data. Both caches live in ~/.cache/cg.
import module, {createRequire} from 'node:module'
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

// `cg --version` answers without loading the CLI, in oclif's format.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  process.exit(0)
}

const file = fileURLToPath(new URL('../dist/cg.cjs', import.meta.url))
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cg')

let cli
if (typeof module.enableCompileCache === 'function') {
  module.enableCompileCache(cacheDir)
  cli = createRequire(import.meta.url)(file)
} else {
  cli = loadWithV8Cache()
}
globalThis.__cgBundle = cli
await cli.execute({dir: import.meta.url})

// Node 20: its module loader cannot cache compiled code, so the bundle is compiled by vm.Script with cached
// data kept beside the compile cache. Code compiled this way loses its dynamic-import hook, so import() in
// the bundle goes through globalThis.__cgImport (scripts/build.mjs routes it there).
function loadWithV8Cache() {
  const source = readFileSync(file, 'utf8')
  const {size, mtimeMs} = statSync(file)
  const cacheFile = join(cacheDir, `bundle-${process.version}-${size}-${Math.trunc(mtimeMs)}.v8`)
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {}
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  globalThis.__cgImport = (specifier) => import(specifier)
  const mod = {exports: {}}
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file))
  process.once('exit', () => {
    if (cachedData && !script.cachedDataRejected) return
    try {
      mkdirSync(cacheDir, {recursive: true})
      const tmp = `${cacheFile}.${process.pid}`
      writeFileSync(tmp, script.createCachedData())
      renameSync(tmp, cacheFile)
    } catch {}
  })
  return mod.exports
}
