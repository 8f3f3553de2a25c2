import type { Config, TargetConfig } from '../config/schema.js';
import { DockerTarget } from './docker.js';
import { LocalTarget } from './local.js';
import { SshTarget } from './ssh.js';
import { TargetError, type Target } from './target.js';

export { DockerTarget, ustarArchive, type DockerTargetConfig } from './docker.js';
export { LocalTarget } from './local.js';
export { SshTarget, type SshTargetConfig } from './ssh.js';
export { hostKeyFingerprint, shellQuote, sshCommand } from './ssh-command.js';
export { TargetError, type RunOptions, type RunResult, type Target, type WriteOptions } from './target.js';

/** The one place that maps a configured target type to its implementation. */
export function createTarget(name: string, config: TargetConfig): Target {
  switch (config.type) {
    case 'local':
      return new LocalTarget(name);
    case 'ssh':
      return new SshTarget(name, config);
    case 'docker':
      return new DockerTarget(name, config);
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown target type: ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

/**
 * The configured targets, each created on first use and then shared, so every job on a
 * machine reuses one SSH connection (and its concurrency limit).
 */
export class TargetPool {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly configs: Config['targets'],
    private readonly factory: (name: string, config: TargetConfig) => Target = createTarget,
  ) {}

  /** The names a request may use. */
  names(): string[] {
    return Object.keys(this.configs).sort();
  }

  has(name: string): boolean {
    return Object.hasOwn(this.configs, name);
  }

  /** The target called `name`; an unknown name is an error the operator can act on. */
  get(name: string): Target {
    const existing = this.targets.get(name);
    if (existing) return existing;
    if (!this.has(name)) {
      const known = this.names();
      throw new TargetError(
        `unknown target ${JSON.stringify(name)}`,
        known.length > 0
          ? `configured targets: ${known.join(', ')}; add it under targets: in the configuration`
          : 'no target is configured; add one under targets: in the configuration',
        'unknown_target',
      );
    }
    const target = this.factory(name, this.configs[name]);
    this.targets.set(name, target);
    return target;
  }

  /** Closes every target created so far; one failing to close does not keep the others open. */
  async closeAll(): Promise<void> {
    const all = [...this.targets.values()];
    this.targets.clear();
    await Promise.allSettled(all.map((t) => t.close()));
  }
}
