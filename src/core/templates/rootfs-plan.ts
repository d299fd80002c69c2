// What a template puts into a root filesystem, as data: the template modules
// say what to create, sys/create-fs.ts creates it. Pure: paths are relative
// to the rootfs and never start with "/".

/** One thing to create in the rootfs, in order (a directory before what it holds). */
export type RootfsEntry =
  | {readonly kind: 'dir'; readonly path: string; readonly mode: number}
  | {readonly kind: 'file'; readonly path: string; readonly mode: number; readonly content: string}
  /** A copy of a host file (`source` is an absolute host path). */
  | {readonly kind: 'copy'; readonly path: string; readonly mode: number; readonly source: string}
  /** A symbolic link whose text is `target`, as written. */
  | {readonly kind: 'symlink'; readonly path: string; readonly target: string}
  /** A hard link to `target`, another entry of the same rootfs. */
  | {readonly kind: 'hardlink'; readonly path: string; readonly target: string}

/** A config line a template writes after the seed config. */
export interface ConfigLine {
  readonly key: string
  readonly value: string
}
