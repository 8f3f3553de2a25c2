import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigFile, loadConfig } from '../src/config/load.js';
import { YamlFileError } from '../src/yaml-file.js';
import { tempDir } from './helpers/tmp.js';

describe('configuration', () => {
  it('the shipped example is what npm start runs: valid, local, safe', () => {
    const config = loadConfig(defaultConfigFile);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, trustProxy: false });
    expect(config.store).toMatchObject({ driver: 'sqlite' });
    expect(config.playbooks).toMatch(/\/playbooks$/);
  });

  it('explains each wrong value with its line and key', () => {
    const file = join(tempDir('serein-config-'), 'bad.yaml');
    writeFileSync(
      file,
      [
        'renewal:',
        '  schedule: "every day"',
        'targets:',
        '  web:',
        '    type: ssh',
        '    host: web1',
        '    privateKeyPath: /k',
        '    hostKeySha256: md5:abc',
      ].join('\n'),
    );
    let err: YamlFileError | undefined;
    try {
      loadConfig(file);
    } catch (e) {
      err = e as YamlFileError;
    }
    expect(err).toBeInstanceOf(YamlFileError);
    expect(err!.message).toMatch(/bad\.yaml:2:\d+: renewal\.schedule: a cron pattern/);
    expect(err!.message).toMatch(/bad\.yaml:8:\d+: targets\.web\.hostKeySha256: an SSH host key fingerprint/);
  });
});
