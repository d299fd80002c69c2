// oclif's help, with the version as every other place prints it (the bare
// version, `ctr --version`), not oclif's user agent. Named in package.json
// (oclif.helpClass).

import {Help} from '@oclif/core'

export default class CtrHelp extends Help {
  override formatRoot(): string {
    return super.formatRoot().replace(this.config.userAgent, this.config.version)
  }
}
