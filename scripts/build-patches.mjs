// Edits to dependencies on the path of every run, applied by scripts/build.mjs as esbuild loads each file.
// Each keeps what the code does and returns; it only does less at startup (docs/startup.md has the
// measurements). A patch whose text is no longer in the file fails the build: check what the new version
// of the dependency does there, then update or drop the patch.
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {join} from 'node:path'

const require = createRequire(import.meta.url)

const oclif = (path) => new RegExp(`@oclif[\\\\/]core[\\\\/]lib[\\\\/]${path.replace(/\//g, '[\\\\/]').replace(/\./g, '\\.')}$`)
const ioredis = (path) => new RegExp(`[\\\\/]ioredis[\\\\/]built[\\\\/]${path.replace(/\//g, '[\\\\/]').replace(/\./g, '\\.')}$`)

/** `const x = require("m")` or `var x = ...` (or `__importDefault(require("m"))`) becomes an object that requires m on the first property read. */
function lazyRequire(file, line) {
  const m = /^(?:const|var) (\w+) = (__importDefault\()?(require\((["'])[^"']+\4\))\)?;$/.exec(line)
  if (!m) throw new Error(`lazyRequire: cannot read ${line}`)
  const [, name, importDefault, req] = m
  const load = importDefault ? `__importDefault(${req})` : req
  return {file, find: line, replace: `let ${name}_; const ${name} = new Proxy({}, {get: (_, key) => (${name}_ ??= ${load})[key]});`}
}

/** The patches for this checkout: {file: RegExp, find, replace, helper?} (a helper goes at the top of the file). */
export async function patches(root) {
  const engines = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).engines.node
  return [
    // --- ICU: the first String#localeCompare builds ICU's list of collator locales, ~65M instructions
    // (3/4 of a bare `node -e 0`), to sort 21 command ids. For ids of a-z, ':' and '-' under the C, POSIX or
    // English collation (ICU's default locale comes from LC_ALL, else LC_MESSAGES, else LANG) the order is
    // code unit order; any other id or locale still goes to localeCompare.
    {
      file: oclif('config/plugin.js'),
      find: '.sort((a, b) => a.id.localeCompare(b.id))',
      replace: '.sort((a, b) => __cgCompareIds(a.id, b.id))',
      helper: `const __cgPlainCollation = (() => {
  const env = process.env
  const id = env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG
  return id === undefined || id === '' || /^(C|POSIX|en)([._@-]|$)/.test(id)
})()
const __cgPlainId = /^[a-z:-]*$/
const __cgCompareIds = (a, b) =>
  __cgPlainCollation && __cgPlainId.test(a) && __cgPlainId.test(b) ? (a < b ? -1 : a > b ? 1 : 0) : a.localeCompare(b)`,
    },

    // --- V8: ioredis puts two methods per Redis command (~600) on Commander.prototype one at a time, and V8
    // copies a fast-mode prototype's property table on each addition (10-40 ms here). Deleting a property
    // first makes it a dictionary, where an addition is a hash insert (~0.3 ms for all of them).
    {
      file: ioredis('utils/Commander.js'),
      find: `commands.forEach(function (commandName) {
    Commander.prototype[commandName] = generateFunction(commandName, commandName, "utf8");
    Commander.prototype[commandName + "Buffer"] = generateFunction(commandName + "Buffer", commandName, null);
});`,
      replace: `{
    const known = new Set(commands);
    const commandOf = (key) => typeof key !== "string" ? undefined : known.has(key) ? [key, "utf8"] : key.endsWith("Buffer") && known.has(key.slice(0, -6)) ? [key.slice(0, -6), null] : undefined;
    const base = Object.create(Object.getPrototypeOf(Commander.prototype));
    Object.setPrototypeOf(Commander.prototype, new Proxy(base, {
        get(target, key, receiver) {
            const c = commandOf(key);
            if (!c) return Reflect.get(target, key, receiver);
            const fn = generateFunction(key, c[0], c[1]);
            Object.defineProperty(Commander.prototype, key, { value: fn, writable: true, enumerable: true, configurable: true });
            return fn;
        },
        has(target, key) {
            return commandOf(key) !== undefined || Reflect.has(target, key);
        },
    }));
}`,
    },

    // --- oclif's index evaluates all of @oclif/core (~100 modules: help, ux, parser, logger...) when it is
    // first required; a run needs a few. Each export becomes a getter that requires its module on first read.
    lazyIndex(await readFile(join(root, 'node_modules', '@oclif', 'core', 'lib', 'index.js'), 'utf8')),

    // oclif's Command requires its Config (the plugin loader, manifest reading, ts-path, help) for its static
    // run() only, and its ux (spinner, JSON colouring) for log() and an error it rethrows: bin/run.js runs
    // cg's own commands without a Config (runOwn), so both load on first use. So do the help classes
    // (flags.js: for --help), ux's colours (parser/help.js: a flag's help line) and the error handler of the
    // errors index (help, ts-path, the module loader: for an error that reaches oclif; cg's commands catch
    // their own); flags, the parser and the errors are loaded by every run.
    lazyRequire(oclif('command.js'), 'const config_1 = require("./config");'),
    lazyRequire(oclif('command.js'), 'const ux_1 = require("./ux");'),
    lazyRequire(oclif('flags.js'), 'const help_1 = require("./help");'),
    lazyRequire(oclif('parser/help.js'), 'const ux_1 = require("../ux");'),
    lazyRequire(oclif('errors/index.js'), 'var handle_1 = require("./handle");'),

    // --- ioredis' command table (@ioredis/commands: ~300 commands, their flags, key positions and
    // subcommands, bundled as one object literal, and a flags map built from it at load): ioredis needs only
    // the names at load (a method per command); the table is read when a command's flags or keys are asked
    // (cluster routing, key prefixes, a pipeline's retry), so it is built then. The names come from the
    // same file, read here at build time.
    {
      file: /@ioredis[\\/]commands[\\/]built[\\/]index\.js$/,
      find: 'const commands_json_1 = __importDefault(require("./commands.json"));\nconst commandMetadata = commands_json_1.default;',
      replace:
        'let commandMetadata_;\nconst commandMetadata = new Proxy({}, { get: (_, name) => (commandMetadata_ ??= __importDefault(require("./commands.json")).default)[name] });',
    },
    {
      file: /@ioredis[\\/]commands[\\/]built[\\/]index\.js$/,
      find: 'exports.list = Object.keys(commandMetadata);\nconst flags = {};\nexports.list.forEach((commandName) => {',
      replace: `exports.list = ${JSON.stringify(await redisCommandNames(root))};\nlet flags_;\nconst flags = new Proxy({}, { get: (_, name) => (flags_ ??= commandFlags())[name] });\nconst commandFlags = () => { const flags = {}; exports.list.forEach((commandName) => {`,
    },
    {
      file: /@ioredis[\\/]commands[\\/]built[\\/]index\.js$/,
      find: '        return flags;\n    }, {});\n});\n',
      replace: '        return flags;\n    }, {});\n}); return flags; };\n',
    },

    // --- Regular expressions compiled for one answer.
    // oclif checks Node against the CLI's engines range with semver, which compiles ~15 long expressions;
    // for this package's range and a plain x.y.z the answer comes from the range's comparators, parsed
    // here at build time. Any other range or version still goes to semver.
    {file: oclif('index.js'), find: "        const semver = require('semver');\n", replace: ''},
    {
      file: oclif('index.js'),
      find: 'if (!semver.satisfies(process.versions.node, pjson.engines.node)) {',
      replace: "if (!__cgSatisfies(process.versions.node, pjson.engines.node, () => require('semver'))) {",
      helper: enginesHelper(engines),
    },
    // the package.json checked is the CLI's (the bundle's __dirname is dist/): bin/run.js has read it already
    {
      file: oclif('index.js'),
      find: "        const pjson = require(path.join(root, 'package.json'));",
      replace:
        "        const pjson = (path.join(root, 'package.json') === globalThis.__cgPackageJson?.file && globalThis.__cgPackageJson.json) || require(path.join(root, 'package.json'));",
    },
    // help and tables measure every string's width: printable ASCII is one column a character, without
    // compiling the emoji expression (thousands of alternatives)
    {
      file: /[\\/]string-width[\\/]index\.js$/,
      find: "\tif (typeof string !== 'string' || string.length === 0) {\n\t\treturn 0;\n\t}\n",
      replace:
        "\tif (typeof string !== 'string' || string.length === 0) {\n\t\treturn 0;\n\t}\n\tif (/^[\\x20-\\x7E]*$/.test(string)) {\n\t\treturn string.length;\n\t}\n",
    },
    // one expression for all calls, as strip-ansi 7 does (replace() with a global expression starts at 0)
    {
      file: /[\\/]strip-ansi[\\/]index\.js$/,
      find: "module.exports = string => typeof string === 'string' ? string.replace(ansiRegex(), '') : string;",
      replace: "const regex = ansiRegex();\nmodule.exports = string => typeof string === 'string' ? string.replace(regex, '') : string;",
    },
    // which dependencies are core plugins: a Minimatch (parsed, compiled) per dependency and pattern; a
    // pattern without glob syntax matches only itself
    {
      file: oclif('config/plugin-loader.js'),
      find: 'patterns.some((w) => (0, minimatch_1.minimatch)(p, w))',
      replace: 'patterns.some((w) => (/[*?[\\]{}()!+@#\\\\]/.test(w.replace(/^@(?!\\()/, "")) ? (0, minimatch_1.minimatch)(p, w) : p === w))',
    },
    // help text goes through ejs string by string, each compiled to a new Function; text without ejs tags
    // renders as itself
    {
      file: oclif('help/util.js'),
      find: 'return ejs_1.default.render(t, context);',
      replace: "return typeof t === 'string' && !t.includes('<%') && !t.includes('%>') ? t : ejs_1.default.render(t, context);",
    },

    // --- Streams made at load and not used: stderr's (a socket when stderr is a pipe, with the net
    // module), stdin's (to ask whether it is a TTY). isatty(fd) asks the same question of the same fd.
    {
      file: oclif('screen.js'),
      find: 'exports.errtermwidth = columns || termwidth(process.stderr);',
      replace:
        'let errtermwidth_;\nObject.defineProperty(exports, "errtermwidth", {enumerable: true, configurable: true, get: () => (errtermwidth_ ??= columns || termwidth(process.stderr)), set: (v) => { errtermwidth_ = v; }});',
    },
    {
      file: oclif('ux/index.js'),
      find: 'const ACTION_TYPE = (Boolean(process.stderr.isTTY) &&',
      replace: 'const ACTION_TYPE = (require("node:tty").isatty(2) &&',
    },
    {
      file: oclif('ux/action/base.js'),
      find: '    stdmockOrigs = {\n        stderr: process.stderr.write,\n        stdout: process.stdout.write,\n    };\n',
      replace:
        '    #stdmockOrigs;\n    get stdmockOrigs() {\n        return (this.#stdmockOrigs ??= {\n            stderr: process.stderr.write,\n            stdout: process.stdout.write,\n        });\n    }\n    set stdmockOrigs(value) {\n        this.#stdmockOrigs = value;\n    }\n',
    },
    {file: /[\\/]debug[\\/]src[\\/]node\.js$/, find: 'tty.isatty(process.stderr.fd)', replace: 'tty.isatty(2)'},
    // A command whose optional argument is not given reads stdin for it (waiting up to 10 ms for lines);
    // reading /dev/null through readline loads readline and file streams for an empty answer, which is
    // known without reading (and cached as oclif caches any answer).
    {
      file: oclif('parser/parse.js'),
      find: 'const readStdin = async () => {\n    const { stdin, stdout } = process;\n',
      replace: 'const readStdin = async () => {\n    if (require("node:tty").isatty(0))\n        return undefined;\n',
    },
    {
      file: oclif('parser/parse.js'),
      find: "    if (stdin.isTTY)\n        return undefined;\n    if (globalThis.oclif?.stdinCache) {\n        debug('resolved stdin from global cache', globalThis.oclif.stdinCache);\n        return globalThis.oclif.stdinCache;\n    }\n",
      replace:
        "    if (globalThis.oclif?.stdinCache) {\n        debug('resolved stdin from global cache', globalThis.oclif.stdinCache);\n        return globalThis.oclif.stdinCache;\n    }\n    if (__cgStdinIsDevNull()) {\n        globalThis.oclif = { ...globalThis.oclif, stdinCache: '' };\n        return '';\n    }\n",
      helper: `function __cgStdinIsDevNull() {
    if (process.platform === 'win32') return false;
    try {
        const fs = require('node:fs');
        const stdin = fs.fstatSync(0);
        return stdin.isCharacterDevice() && stdin.rdev === fs.statSync('/dev/null').rdev;
    } catch {
        return false;
    }
}`,
    },
    {
      file: oclif('parser/parse.js'),
      find: '    return new Promise((resolve) => {\n        const lines = [];',
      replace: '    const { stdin, stdout } = process;\n    return new Promise((resolve) => {\n        const lines = [];',
    },

    // A core plugin's root: require.resolve(name, {paths: [root]}) (~1 ms each: the resolver's first use),
    // then up from the entry to the package directory. A package in root/node_modules whose exports is
    // one file that exists is where that resolves (after symlinks), so its root is that directory.
    {
      file: oclif('util/find-root.js'),
      find: '        let pkgPath;\n        try {\n            pkgPath = require.resolve(name, { paths: [root] });',
      replace:
        '        const local = __cgLocalPackage(name, root);\n        if (local)\n            return local;\n        let pkgPath;\n        try {\n            pkgPath = require.resolve(name, { paths: [root] });',
      helper: `function __cgLocalPackage(name, root) {
    try {
        const fs = require('node:fs');
        const dir = (0, node_path_1.join)(root, 'node_modules', name);
        const { exports } = JSON.parse(fs.readFileSync((0, node_path_1.join)(dir, 'package.json'), 'utf8'));
        if (typeof exports === 'string' && fs.statSync((0, node_path_1.join)(dir, exports)).isFile())
            return fs.realpathSync(dir);
    }
    catch { }
}`,
    },

    // --- Modules loaded and not used.
    // oclif logs through debug, whose namespaces are enabled by DEBUG as read when it loads (nothing in
    // oclif enables one later): with DEBUG unset every debug function oclif makes is a no-op, and debug
    // (with tty, supports-color and ~30 namespace instances) need not load
    {
      file: oclif('logger.js'),
      find: 'const debug_1 = __importDefault(require("debug"));',
      replace: 'const debug_1 = process.env.DEBUG ? __importDefault(require("debug")) : { default: () => () => { } };',
    },
    // the same for ioredis, whose wrapper also reads the instance's namespace, enabled, destroy and log
    {
      file: ioredis('utils/debug.js'),
      find: 'const debug_1 = require("debug");',
      replace: 'const debug_1 = process.env.DEBUG ? require("debug") : { default: (namespace) => Object.assign(() => { }, { namespace, enabled: false }) };',
    },
    // oclif reads its few JSON files through fs/promises, whose first use loads ~30 modules (streams,
    // readline) and starts libuv's thread pool; a synchronous read of a small file gives the same
    // contents and errors
    {
      file: oclif('util/fs.js'),
      find: "const contents = await (0, promises_1.readFile)(path, 'utf8');",
      replace: "const contents = (0, node_fs_1.readFileSync)(path, 'utf8');",
    },
    // oclif asks wsl-utils only whether this is WSL, which wsl-utils asks is-wsl; wsl-utils also loads its
    // PowerShell helpers and child_process
    {file: oclif('util/os.js'), find: "return (await import('wsl-utils')).isWsl ? 'wsl'", replace: "return (await import('is-wsl')).default ? 'wsl'"},
    // glob, minimatch, rc-file search, package type, stack cleaning, spinner: used on some paths only
    lazyRequire(oclif('config/plugin.js'), 'const tinyglobby_1 = require("tinyglobby");'),
    lazyRequire(oclif('config/plugin-loader.js'), 'const minimatch_1 = require("minimatch");'),
    lazyRequire(oclif('util/read-pjson.js'), 'const lilconfig_1 = require("lilconfig");'),
    lazyRequire(oclif('module-loader.js'), "const getPackageType = require('get-package-type');"),
    lazyRequire(oclif('errors/handle.js'), 'const clean_stack_1 = __importDefault(require("clean-stack"));'),
    lazyRequire(oclif('errors/errors/cli.js'), 'const clean_stack_1 = __importDefault(require("clean-stack"));'),
    // an oclif error's rendering (wrapping, its coloured bang) is only needed when one is printed: ~1.3 ms of
    // modules (wrap-ansi with string-width and ansi-styles; ux/theme with ansis and supports-color)
    lazyRequire(oclif('errors/errors/cli.js'), 'const wrap_ansi_1 = __importDefault(require("wrap-ansi"));'),
    lazyRequire(oclif('errors/errors/cli.js'), 'const theme_1 = require("../../ux/theme");'),
    // the same for the parser's errors (their list and colours) and oclif's pretty-printer
    lazyRequire(oclif('parser/errors.js'), 'const list_1 = __importDefault(require("../ux/list"));'),
    lazyRequire(oclif('parser/errors.js'), 'const theme_1 = require("../ux/theme");'),
    lazyRequire(oclif('errors/errors/pretty-print.js'), 'const wrap_ansi_1 = __importDefault(require("wrap-ansi"));'),
    lazyRequire(oclif('ux/action/spinner.js'), "const ansiEscapes = require('ansi-escapes');"),
    lazyRequire(oclif('ux/action/spinner.js'), 'const cli_spinners_1 = __importDefault(require("cli-spinners"));'),
    // oclif's help (command and root help, formatter, wrap-ansi, docopts): main.js and the error handler
    // require help/index.js for normalizeArgv and showHelp; the help classes load when help is shown
    lazyRequire(oclif('help/index.js'), 'const command_1 = require("./command");'),
    lazyRequire(oclif('help/index.js'), 'const formatter_1 = require("./formatter");'),
    lazyRequire(oclif('help/index.js'), 'const root_1 = __importDefault(require("./root"));'),
    lazyRequire(oclif('help/index.js'), 'var command_2 = require("./command");'),
    lazyRequire(oclif('help/index.js'), 'var formatter_2 = require("./formatter");'),
    lazyRequire(oclif('help/util.js'), 'const ejs_1 = __importDefault(require("ejs"));'),
    lazyRequire(oclif('config/config.js'), 'const ejs_1 = __importDefault(require("ejs"));'),
    // ioredis loads its Cluster client (and with it dns) with the rest; a standalone connection uses neither
    {
      file: ioredis('Redis.js'),
      find: 'const cluster_1 = require("./cluster");',
      replace: 'let cluster_; const cluster_1 = {get default() { return (cluster_ ??= require("./cluster")).default; }};',
    },
    {
      file: ioredis('Redis.js'),
      find: 'Redis.Cluster = cluster_1.default;',
      replace:
        'Object.defineProperty(Redis, "Cluster", {configurable: true, enumerable: true, get: () => cluster_1.default, set: (value) => Object.defineProperty(Redis, "Cluster", {value, configurable: true, enumerable: true, writable: true})});',
    },
    {
      file: ioredis('index.js'),
      find: 'var cluster_1 = require("./cluster");',
      replace: 'var cluster_; var cluster_1 = {get default() { return (cluster_ ??= require("./cluster")).default; }};',
    },
  ]
}

/** oclif's index: its exports (`exports.X = __importStar(require(...))`, `var x_1 = require(...)` read by getters) required on first read. */
function lazyIndex(text) {
  const start = text.indexOf('exports.Args = __importStar(require("./args"));')
  const endMark = 'get: function () { return ux_1.ux; } });'
  const end = text.indexOf(endMark)
  if (start < 0 || end < 0) throw new Error('@oclif/core/lib/index.js: its exports changed; update lazyIndex in scripts/build-patches.mjs')
  const find = text.slice(start, end + endMark.length)
  const lines = find.split('\n').map((line) => {
    let m = /^exports\.(\w+) = __importStar\((require\("[^"]+"\))\);$/.exec(line)
    if (m) return `Object.defineProperty(exports, "${m[1]}", { enumerable: true, configurable: true, get: function () { return __importStar(${m[2]}); } });`
    m = /^var (\w+) = (require\("[^"]+"\));$/.exec(line)
    if (m) return `var ${m[1]}_; var __cg_${m[1]} = () => (${m[1]}_ ??= ${m[2]});`
    m = /^Object\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return (\w+)\.(\w+); \} \}\);$/.exec(line)
    if (m) return `Object.defineProperty(exports, "${m[1]}", { enumerable: true, get: function () { return __cg_${m[2]}().${m[3]}; } });`
    if (/^\/\//.test(line)) return line
    throw new Error(`@oclif/core/lib/index.js: cannot make this line lazy: ${line}`)
  })
  return {file: oclif('index.js'), find, replace: lines.join('\n')}
}

/** The command names of ioredis' command table, in its order (Object.keys of the bundled JSON). */
async function redisCommandNames(root) {
  const ioredis = join(root, 'node_modules', 'ioredis')
  const file = createRequire(join(ioredis, 'package.json')).resolve('@ioredis/commands/built/commands.json')
  return Object.keys(JSON.parse(await readFile(file, 'utf8')))
}

/**
 * JSON files bundled for a few of their fields: the bundle keeps only those (a JSON module is a big object
 * literal, whose shapes V8 builds when it first runs). @oclif/core reads its package.json for its version.
 */
export const JSON_FIELDS = [{file: /@oclif[\\/]core[\\/]package\.json$/, keep: ['name', 'version']}]

/** `__cgSatisfies(version, range, loadSemver)`: semver.satisfies, without semver for `range` and plain x.y.z versions. */
function enginesHelper(range) {
  const semver = require('semver')
  const sets = new semver.Range(range).set.map((set) =>
    set.map((c) =>
      c.semver === semver.Comparator.ANY ? ['*'] : [c.operator, [c.semver.major, c.semver.minor, c.semver.patch], c.semver.prerelease.length > 0],
    ),
  )
  return `const __cgEngines = {range: ${JSON.stringify(range)}, sets: ${JSON.stringify(sets)}}
function __cgSatisfies(version, range, semver) {
  const m = /^(\\d+)\\.(\\d+)\\.(\\d+)$/.exec(version)
  if (range !== __cgEngines.range || !m) return semver().satisfies(version, range)
  const v = [Number(m[1]), Number(m[2]), Number(m[3])]
  // a release is above a prerelease of the same x.y.z
  const cmp = ([, c, pre]) => (v[0] - c[0] || v[1] - c[1] || v[2] - c[2] || (pre ? 1 : 0))
  const holds = (c) => {
    if (c[0] === '*') return true
    const d = cmp(c)
    return c[0] === '>=' ? d >= 0 : c[0] === '>' ? d > 0 : c[0] === '<=' ? d <= 0 : c[0] === '<' ? d < 0 : d === 0
  }
  return __cgEngines.sets.some((set) => set.every(holds))
}`
}
