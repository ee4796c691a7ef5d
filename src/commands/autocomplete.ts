import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Args, Command, Flags, type Config} from '@oclif/core'

/**
 * `cg autocomplete`: @oclif/plugin-autocomplete's command, run as it is, after which the bash completion
 * function it wrote is wrapped. That function derives the first word from every command id, so with
 * topics separated by spaces it offers a topic once per subcommand (`cg gr<TAB>`: group, group, groups)
 * and drops a topic typed in full (`cg group<TAB>` becomes `cg groups`). zsh and PowerShell are fine.
 */
export default class Autocomplete extends Command {
  static override summary = 'Display autocomplete installation instructions (bash, zsh or powershell).'
  static override description = 'Builds the completion cache, then prints how to load it in the shell. Completion offers every command, topic and flag of cg.'
  static override examples = [
    {description: 'Instructions for the shell in use.', command: '<%= config.bin %> autocomplete'},
    {description: 'Instructions for bash.', command: '<%= config.bin %> autocomplete bash'},
    {description: 'Instructions for zsh.', command: '<%= config.bin %> autocomplete zsh'},
    {description: 'Instructions for PowerShell.', command: '<%= config.bin %> autocomplete powershell'},
    {description: 'Rebuild the cache only (after an upgrade of cg).', command: '<%= config.bin %> autocomplete --refresh-cache'},
  ]
  static override args = {shell: Args.string({description: 'Shell type (default: the shell in use).', options: ['zsh', 'bash', 'powershell']})}
  static override flags = {'refresh-cache': Flags.boolean({char: 'r', summary: 'Refresh the cache only (no instructions).'})}

  async run(): Promise<void> {
    const plugin = this.config.getPluginsList().find((p) => p.name === '@oclif/plugin-autocomplete')
    const theirs = plugin?.commands.find((c) => c.id === 'autocomplete')
    if (!theirs) this.error('@oclif/plugin-autocomplete is not installed', {exit: 1})
    // This command stands in for the plugin's: the completion lists the plugin writes (from every
    // plugin's commands) must name `autocomplete` once; a second PowerShell entry would break the script.
    theirs.hidden = true
    await (await theirs.load()).run(this.argv, this.config)
    await wrapBashCompletion(this.config)
  }
}

/** The topics of the visible commands (every id prefix before a subcommand): consumer, dlq, group, ... */
export function completionTopics(config: Config): string[] {
  const topics = new Set<string>()
  for (const c of config.commands) {
    if (c.hidden) continue
    for (const id of [c.id, ...(c.aliases ?? [])]) {
      const parts = id.split(':')
      for (let i = 1; i < parts.length; i++) topics.add(parts.slice(0, i).join(':'))
    }
  }
  return [...topics].sort()
}

const MARK = '# cg: each topic and command once'

/**
 * Registers a wrapper around the plugin's bash function: a topic typed in full stays a candidate, and
 * every candidate is offered once. Runs once per generated file; a file without the expected function
 * is left as it is.
 */
export async function wrapBashCompletion(config: Config): Promise<void> {
  const bin = config.bin
  const file = join(config.cacheDir, 'autocomplete', 'functions', 'bash', `${bin}.bash`)
  const text = await readFile(file, 'utf8').catch(() => null)
  const fn = `_${bin}_autocomplete`
  if (text === null || text.includes(MARK) || !text.includes(`${fn}()`)) return
  const wrapper = `
${MARK}: the function above offers a topic once per subcommand, and drops a topic typed in full.
${fn}_once()
{
  ${fn}
  local cur="\${COMP_WORDS[COMP_CWORD]}" typed w seen=' ' unique=()
  if [[ -n "$cur" && "$cur" != -* ]]; then
    typed="$(IFS=:; echo "\${COMP_WORDS[*]:1:COMP_CWORD}")"
    [[ " ${completionTopics(config).join(' ')} " == *" $typed "* ]] && COMPREPLY=("$cur" "\${COMPREPLY[@]}")
  fi
  for w in "\${COMPREPLY[@]}"; do
    [[ "$seen" == *" $w "* ]] && continue
    seen="$seen$w "
    unique+=("$w")
  done
  COMPREPLY=("\${unique[@]}")
}
${[bin, ...(config.binAliases ?? [])].map((b) => `complete -F ${fn}_once ${b}`).join('\n')}
`
  await writeFile(file, text + wrapper)
}
