import type { Action } from '../engine/action.js';
import { fileWrite } from './file.js';
import { programRun } from './program.js';
import { resourceForget, resourceRecord } from './resource.js';
import { secretGenerate } from './secret.js';
import { databaseCheck, databaseCreate } from './database.js';
import { databaseDrop } from './database-drop.js';
import { vhostApply, vhostCheck, vhostRemove } from './vhost.js';
import { certificateActions } from './certificate.js';
import { certificateReuse } from './certificate-retire.js';
import { dnsActions } from './dns.js';
import { trashRestore } from './trash.js';
import { sftpActions } from './sftp.js';
import { environmentActions } from './site-environment.js';

/** Every action playbooks may use. A new operation adds at most one module here. */
export const builtinActions: Action[] = [
  fileWrite,
  programRun,
  resourceRecord,
  resourceForget,
  secretGenerate,
  vhostCheck,
  vhostApply,
  vhostRemove,
  databaseCheck,
  databaseCreate,
  databaseDrop,
  ...certificateActions,
  certificateReuse,
  ...dnsActions,
  trashRestore,
  ...sftpActions,
  ...environmentActions,
];
