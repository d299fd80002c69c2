// Whether a program can run in a root filesystem that has no libraries: a
// static ELF executable has no PT_INTERP program header (a static-pie has
// PT_DYNAMIC but still no interpreter). Pure: reads the bytes it is given.

const PT_INTERP = 3

export type ElfLinkage = 'static' | 'dynamic' | 'not-elf'

/**
 * Classifies an executable from its first bytes (the ELF header and the
 * program headers must be inside `bytes`; 64 KiB is plenty in practice).
 * Returns 'not-elf' for anything that is not a well-formed ELF file.
 */
export function elfLinkage(bytes: Uint8Array): ElfLinkage {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return 'not-elf'
  const is64 = bytes[4] === 2
  if (!is64 && bytes[4] !== 1) return 'not-elf'
  const little = bytes[5] === 1
  if (!little && bytes[5] !== 2) return 'not-elf'
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (is64 && bytes.length < 64) return 'not-elf'
  const phoff = is64 ? Number(view.getBigUint64(32, little)) : view.getUint32(28, little)
  const phentsize = view.getUint16(is64 ? 54 : 42, little)
  const phnum = view.getUint16(is64 ? 56 : 44, little)
  if (phentsize < (is64 ? 56 : 32) || phoff + phentsize * phnum > bytes.length) return 'not-elf'
  for (let i = 0; i < phnum; i++) {
    if (view.getUint32(phoff + i * phentsize, little) === PT_INTERP) return 'dynamic'
  }
  return 'static'
}
