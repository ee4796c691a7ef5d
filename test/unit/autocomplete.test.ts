import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../helpers/cli.js'

const cache = mkdtempSync(join(tmpdir(), 'cg-autocomplete-'))
const functions = join(cache, 'autocomplete', 'functions')
const TOPICS = ['consumer', 'dlq', 'group', 'offsets', 'profiles']

/** What bash offers for a command line typed so far (the function registered for cg, run as bash would). */
function bashOffers(line: string): string[] {
  const script = `
    source ${JSON.stringify(join(functions, 'bash', 'cg.bash'))}
    fn=$(complete -p cg | sed -E 's/.*-F ([^ ]+).*/\\1/')
    read -ra COMP_WORDS <<< "$LINE"
    [[ "$LINE" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
    $fn
    printf '%s\\n' "\${COMPREPLY[@]}"
  `
  const res = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {env: {PATH: process.env.PATH, LINE: line}, encoding: 'utf8'})
  expect(res.status, res.stderr).toBe(0)
  return res.stdout.split('\n').filter(Boolean)
}

const dupes = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i)

beforeAll(async () => {
  const res = await runCg(['autocomplete', '--refresh-cache'], {env: {CG_CACHE_DIR: cache}})
  expect(res.code, res.stderr).toBe(0)
}, 60_000)

describe('autocomplete: no topic or command offered twice', () => {
  it('bash: each topic and command once, a topic typed in full stays a candidate', () => {
    const top = bashOffers('cg ')
    expect(dupes(top)).toEqual([])
    for (const t of [...TOPICS, 'groups', 'pending', 'reset', 'autocomplete']) expect(top).toContain(t)
    expect(bashOffers('cg gr')).toEqual(['group', 'groups'])
    expect(bashOffers('cg group').sort()).toEqual(['group', 'groups'])
    expect(bashOffers('cg d')).toEqual(['dlq'])
    expect(bashOffers('cg dlq')).toEqual(['dlq'])
    expect(bashOffers('cg dlq ').sort()).toEqual(['list', 'move', 'peek', 'purge', 'replay'])
    expect(bashOffers('cg group ').sort()).toEqual(['create', 'delete'])
    expect(bashOffers('cg profiles s')).toEqual(['show'])
    expect(bashOffers('cg dlq replay --d').sort()).toEqual(['--dlq', '--dry-run'])
    for (const line of ['cg p', 'cg c', 'cg consumer ', 'cg offsets ', 'cg lag --']) expect(dupes(bashOffers(line)), line).toEqual([])
  })

  it('zsh: each list of candidates names every topic and command once', () => {
    const zsh = readFileSync(join(functions, 'zsh', '_cg'), 'utf8')
    const lists = [...zsh.matchAll(/_values "completions" \\\n((?:"[^"\n]*\[.*\]" \\\n)+)/g)].map((m) => [...m[1].matchAll(/^"([^"[]+)\[/gm)].map((x) => x[1]))
    expect(lists.length).toBe(TOPICS.length + 1)
    for (const names of lists) expect(dupes(names)).toEqual([])
    expect(lists.flat()).toEqual(expect.arrayContaining([...TOPICS, 'groups', 'autocomplete']))
  })

  it('PowerShell: the command table has one entry for autocomplete', () => {
    const ps = readFileSync(join(functions, 'powershell', 'cg.ps1'), 'utf8')
    expect(ps.match(/^"autocomplete" = @\{/gm)).toHaveLength(1)
    for (const t of TOPICS) expect(ps.match(new RegExp(`^"${t}" = @\\{`, 'gm')), t).toHaveLength(1)
  })
})
