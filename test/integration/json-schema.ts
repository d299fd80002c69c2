// Checks --json output against docs/json-schema.json. The validator covers
// the part of JSON Schema that file uses (type, enum, const, required,
// properties, additionalProperties, items, oneOf, $ref, pattern, minimum):
// thirty lines instead of a dependency.

import {readFileSync} from 'node:fs'
import {join} from 'node:path'

type Schema = boolean | Record<string, unknown>

const SCHEMA_FILE = join(import.meta.dirname, '../../docs/json-schema.json')
const ROOT = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as {$defs: Record<string, Schema>; commands: Record<string, string>}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function resolve(ref: string): Schema {
  const schema = ROOT.$defs[ref.replace('#/$defs/', '')]
  if (schema === undefined) throw new Error(`Unknown $ref ${ref}`)
  return schema
}

/** The errors of `value` against `schema`, each with its JSON path (empty: valid). */
export function validate(value: unknown, schema: Schema, path = '$'): string[] {
  if (schema === true) return []
  if (schema === false) return [`${path}: not allowed`]
  const s = schema
  if (typeof s.$ref === 'string') return validate(value, resolve(s.$ref), path)
  const errors: string[] = []
  const t = typeOf(value)
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]
    if (!types.some((want) => want === t || (want === 'number' && t === 'integer'))) return [`${path}: ${t}, not ${types.join(' or ')}`]
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`)
  if ('const' in s && s.const !== value) errors.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(s.const)}`)
  if (typeof s.pattern === 'string' && typeof value === 'string' && !new RegExp(s.pattern).test(value)) errors.push(`${path}: does not match ${s.pattern}`)
  if (typeof s.minimum === 'number' && typeof value === 'number' && value < s.minimum) errors.push(`${path}: below ${s.minimum}`)
  if (t === 'object') {
    const object = value as Record<string, unknown>
    const properties = (s.properties ?? {}) as Record<string, Schema>
    for (const key of (s.required ?? []) as string[]) if (!(key in object)) errors.push(`${path}: missing "${key}"`)
    for (const [key, child] of Object.entries(object)) {
      if (key in properties) errors.push(...validate(child, properties[key] as Schema, `${path}.${key}`))
      else if (s.additionalProperties !== undefined) errors.push(...validate(child, s.additionalProperties as Schema, `${path}.${key}`))
    }
  }
  if (t === 'array' && s.items !== undefined) (value as unknown[]).forEach((item, i) => errors.push(...validate(item, s.items as Schema, `${path}[${i}]`)))
  if (Array.isArray(s.oneOf)) {
    const passing = (s.oneOf as Schema[]).filter((option) => validate(value, option, path).length === 0).length
    if (passing !== 1) errors.push(`${path}: matches ${passing} of the oneOf alternatives, not exactly one`)
  }
  return errors
}

/**
 * Checks what `ctr ARGS --json` printed: the error envelope for a failure,
 * else the success envelope with the command's result (docs/json.md), or for
 * `ctr monitor` one event per line. Returns the problems found.
 */
export function checkJsonOutput(args: string[], stdout: string, code: number | null): string[] {
  const end = args.indexOf('--')
  if (!(end < 0 ? args : args.slice(0, end)).includes('--json') || stdout === '') return []
  const command = args[0] ?? ''
  if (command === 'monitor' && code === 0) {
    return stdout.split('\n').filter(Boolean).flatMap((line, i) => {
      try {
        return validate(JSON.parse(line), resolve('#/$defs/event'), `line ${i + 1}`)
      } catch {
        return [`line ${i + 1}: not JSON: ${line}`]
      }
    })
  }
  let body: Record<string, unknown>
  try {
    body = JSON.parse(stdout) as Record<string, unknown>
  } catch {
    return [`not one JSON object: ${stdout.slice(0, 200)}`]
  }
  if ('error' in body) return validate(body, resolve('#/$defs/error'))
  const errors = validate(body, resolve('#/$defs/success'))
  const ref = ROOT.commands[command]
  if (ref === undefined) return [...errors, `no schema for the result of "${command}"`]
  return [...errors, ...validate(body.result, resolve(ref), '$.result')]
}
