// Shell completion from the option tables (core/cli/catalog.ts): the
// scripts `ctr completion bash|zsh|fish` prints, and the candidates
// `ctr __complete LINE` returns to them. Pure: the container names come in
// through `CompletionSources`.
//
// The protocol between a script and `ctr __complete` is the same for the
// three shells: the script passes the command line up to the cursor as one
// argument; ctr prints the kind of completion (`words`, or `files` to let
// the shell complete paths), then the current word as ctr split it, then
// one candidate per line, each a whole word. Bash splits words further at
// `=`, `:` and `|` (COMP_WORDBREAKS), so its script strips the part of the
// word before its own current word from every candidate.

import {LS_COLUMNS} from '../format/ls.js'
import {STATES} from '../state.js'
import {TEMPLATE_NAMES} from '../templates/index.js'
import {COMMAND_CATALOG, META_COMMANDS, SHELLS, findSpec, type Shell} from './catalog.js'
import {LOG_PRIORITIES} from './parse.js'
import type {CommandSpec, OptionSpec} from './specs.js'

export interface ContainerCandidate {
  name: string
  state: string
}

export interface CompletionSources {
  /** The containers of the lxcpath (`-P` from the line, if any), with their states. */
  containers(lxcpath: string | undefined): ContainerCandidate[]
}

export interface Completion {
  kind: 'words' | 'files'
  word: string
  candidates: string[]
}

/** Splits a shell command line into words as far as the cursor; the last is the word being completed. */
export function splitLine(line: string): string[] {
  const words: string[] = []
  let word = ''
  let quote: '"' | "'" | undefined
  let inWord = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i]
      inWord = true
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  words.push(word)
  return words
}

/** The candidates for the word at the end of `line` (see the file comment). */
export function complete(line: string, sources: CompletionSources): Completion {
  const words = splitLine(line)
  const word = words[words.length - 1] ?? ''
  const before = words.slice(1, -1)
  const result = (candidates: string[], kind: Completion['kind'] = 'words'): Completion => ({kind, word, candidates: candidates.filter((c) => c.startsWith(word))})
  if (before.length === 0) {
    if (word.startsWith('-')) return result(['--help', '--version'])
    return result([...COMMAND_CATALOG.map((c) => c.id), ...META_COMMANDS.map((c) => c.id)])
  }
  const command = before[0] as string
  if (command === 'help') return before.length === 1 ? result(COMMAND_CATALOG.map((c) => c.id)) : result([])
  if (command === 'completion') return before.length === 1 ? result([...SHELLS]) : result([])
  const spec = findSpec(command)
  if (!spec) return result([])
  const args = before.slice(1)
  if (args.includes('--')) return result([], 'files')
  const lxcpath = lxcpathFrom(args, spec)
  const containers = (): ContainerCandidate[] => sources.containers(lxcpath)

  const attached = /^(--[^=]+)=(.*)$/.exec(word)
  if (attached) {
    const option = longOption(spec, attached[1]?.slice(2) ?? '')
    if (!option?.hasArg) return result([])
    const values = optionValues(spec, option, attached[2] ?? '', containers)
    return {...result(values.candidates.map((v) => `${attached[1]}=${v}`)), kind: values.kind}
  }
  const pending = pendingOption(spec, args)
  if (pending) {
    const values = optionValues(spec, pending, word, containers)
    return result(values.candidates, values.kind)
  }
  if (word.startsWith('-')) return result(optionWords(spec))
  return result(operandValues(spec, operands(spec, args), word, containers))
}

/** The option whose argument is the current word (`-n <TAB>`, `--name <TAB>`), if any. */
function pendingOption(spec: CommandSpec, args: string[]): OptionSpec | undefined {
  const last = args[args.length - 1]
  if (last === undefined || !last.startsWith('-') || last === '-' || last.includes('=')) return undefined
  if (last.startsWith('--')) {
    const option = longOption(spec, last.slice(2))
    return option?.hasArg ? option : undefined
  }
  // A cluster of short options: the argument is pending only if the last letter takes one and nothing is attached.
  for (let i = 1; i < last.length; i++) {
    const option = spec.options.find((o) => o.short === last[i])
    if (option?.hasArg) return i === last.length - 1 ? option : undefined
  }
  return undefined
}

function longOption(spec: CommandSpec, name: string): OptionSpec | undefined {
  const exact = spec.options.find((o) => o.long === name)
  if (exact) return exact
  const prefixed = spec.options.filter((o) => o.long?.startsWith(name))
  return prefixed.length === 1 ? prefixed[0] : undefined
}

function optionWords(spec: CommandSpec): string[] {
  const words: string[] = []
  for (const option of spec.options) {
    if (option.long !== undefined) words.push(`--${option.long}`)
  }
  for (const option of spec.options) {
    if (option.short !== undefined && option.short !== '?') words.push(`-${option.short}`)
  }
  return words
}

/** The operands given so far (words that are neither options nor their arguments). */
function operands(spec: CommandSpec, args: string[]): string[] {
  const found: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (!arg.startsWith('-') || arg === '-') {
      found.push(arg)
      continue
    }
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && longOption(spec, arg.slice(2))?.hasArg) i++
      continue
    }
    for (let j = 1; j < arg.length; j++) {
      if (spec.options.find((o) => o.short === arg[j])?.hasArg) {
        if (j === arg.length - 1) i++
        break
      }
    }
  }
  return found
}

function hasNameOption(spec: CommandSpec): boolean {
  return spec.options.some((o) => o.key === 'name' && o.argName === 'NAME')
}

function operandValues(spec: CommandSpec, given: string[], word: string, containers: () => ContainerCandidate[]): string[] {
  if (!hasNameOption(spec)) return []
  if (given.length === 0) return containerNames(spec.id, containers())
  if (spec.id === 'wait' && given.length === 1) return stateList(word)
  return []
}

function optionValues(spec: CommandSpec, option: OptionSpec, word: string, containers: () => ContainerCandidate[]): {kind: Completion['kind']; candidates: string[]} {
  const words = (candidates: string[]): {kind: 'words'; candidates: string[]} => ({kind: 'words', candidates})
  switch (option.argName) {
    case 'NAME':
      return words(containerNames(spec.id, containers()))
    case 'NAME|PID|PATH':
      return words(containers().filter((c) => c.state !== 'STOPPED').map((c) => c.name))
    case 'STATES':
      return words(stateList(word))
    case 'LEVEL':
      return words([...LOG_PRIORITIES])
    case 'COLUMNS':
      return words(listOf(word, LS_COLUMNS))
    case 'TEMPLATE':
      return words([...TEMPLATE_NAMES])
    case 'BDEV':
      return words(['dir'])
    case 'FILE':
    case 'CONFIG':
    case 'PATH':
    case 'DIR':
      return {kind: 'files', candidates: []}
    default:
      return words([])
  }
}

/** Which containers make sense for the command: start the stopped ones, stop the running ones... */
function containerNames(command: string, all: ContainerCandidate[]): string[] {
  const keep: Record<string, (state: string) => boolean> = {
    start: (s) => s === 'STOPPED',
    stop: (s) => s !== 'STOPPED',
    console: (s) => s !== 'STOPPED',
    freeze: (s) => s !== 'STOPPED' && s !== 'FROZEN',
    unfreeze: (s) => s === 'FROZEN',
  }
  const filter = keep[command] ?? (() => true)
  return all.filter((c) => filter(c.state)).map((c) => c.name).sort()
}

// `RUNNING|ST` completes to `RUNNING|STOPPED`, `RUNNING|STARTING`.
function stateList(word: string): string[] {
  return listOf(word, STATES, '|')
}

function listOf(word: string, values: readonly string[], separator = ','): string[] {
  const cut = word.lastIndexOf(separator)
  const head = cut < 0 ? '' : word.slice(0, cut + 1)
  const taken = new Set(head.split(separator))
  return values.filter((v) => !taken.has(v)).map((v) => `${head}${v}`)
}

function lxcpathFrom(args: string[], spec: CommandSpec): string | undefined {
  let found: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-P' || (arg.startsWith('--') && arg.length > 3 && 'lxcpath'.startsWith(arg.slice(2)))) found = args[i + 1]
    else if (arg.startsWith('-P')) found = arg.slice(2)
    else if (arg.startsWith('--lxcpath=')) found = arg.slice('--lxcpath='.length)
  }
  return spec.options.some((o) => o.short === 'P') ? found : undefined
}

/** The text `ctr __complete` prints for a completion. */
export function formatCompletion(c: Completion): string {
  return [c.kind, c.word, ...c.candidates].join('\n') + '\n'
}

const BASH = `# bash completion for ctr (ctr completion bash)
_ctr_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} line=\${COMP_LINE:0:COMP_POINT}
  local -a out
  mapfile -t out < <(command "\${COMP_WORDS[0]}" __complete "$line" 2>/dev/null)
  COMPREPLY=()
  [ \${#out[@]} -ge 2 ] || return 0
  if [ "\${out[0]}" = files ]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
  fi
  # bash's current word starts after the last of COMP_WORDBREAKS (= : |):
  # drop what comes before it from each whole-word candidate.
  [ "$cur" = = ] && cur=
  local strip=$(( \${#out[1]} - \${#cur} )) c
  [ $strip -lt 0 ] && strip=0
  for c in "\${out[@]:2}"; do COMPREPLY+=("\${c:$strip}"); done
}
complete -F _ctr_complete ctr ctr-lxc
`

const ZSH = `#compdef ctr ctr-lxc
# zsh completion for ctr (ctr completion zsh)
_ctr() {
  local -a out
  out=("\${(@f)$(command \${words[1]} __complete "\${BUFFER[1,CURSOR]}" 2>/dev/null)}")
  (( \${#out} >= 2 )) || return 1
  if [[ \${out[1]} == files ]]; then
    _files
    return
  fi
  local -a candidates
  candidates=("\${(@)out[3,-1]}")
  compset -P '*[=|,]' && candidates=("\${(@)candidates##*[=|,]}")
  compadd -Q -- "\${(@)candidates}"
}
compdef _ctr ctr ctr-lxc
`

const FISH = `# fish completion for ctr (ctr completion fish)
function __ctr_complete
  set -l cmd (commandline -opc)[1]
  set -l out (command $cmd __complete (commandline -cp) 2>/dev/null)
  test (count $out) -ge 2; or return
  if test "$out[1]" = files
    __fish_complete_path (commandline -ct)
    return
  end
  printf '%s\\n' $out[3..-1]
end
complete -c ctr -f -a '(__ctr_complete)'
complete -c ctr-lxc -f -a '(__ctr_complete)'
`

/** The completion script for a shell. */
export function completionScript(shell: Shell): string {
  return {bash: BASH, zsh: ZSH, fish: FISH}[shell]
}
