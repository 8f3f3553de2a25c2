import { conflict, invalidInput, notFound, OperationError } from '../errors.js';

/** French typography: a non-breaking space before : ; ? ! and inside « ». */
const NB = '\u00a0';

// The errors of SFTP access (./sftp.ts), in plain words for the client; the admin detail names paths and commands.

/** The site is not the caller's (another tenant's site does not exist for a client). */
export function siteNotFound(domain: string): OperationError {
  return notFound(
    { en: `The site ${domain}`, fr: `Le site ${domain}` },
    {
      message: {
        en: `There is no site "${domain}" in your account.`,
        fr: `Il n'y a pas de site «${NB}${domain}${NB}» dans votre compte.`,
      },
      hint: {
        en: 'Check the name; it is the main name the site was created with.',
        fr: 'Vérifiez le nom\u00a0; c’est le nom principal donné à la création du site.',
      },
    },
  );
}

/** The site's web server offers no SFTP (no `sftp` block in its configuration). */
export function sftpNotOffered(domain: string, webserver: string): OperationError {
  return new OperationError(
    'sftp_not_offered',
    {
      en: `File access (SFTP) is not offered on the server of ${domain}.`,
      fr: `L'accès aux fichiers (SFTP) n'est pas proposé sur le serveur de ${domain}.`,
    },
    {
      en: 'Ask your provider to offer it; nothing was changed.',
      fr: "Demandez à votre hébergeur de le proposer\u00a0; rien n'a été modifié.",
    },
    `webservers.${webserver}.sftp is not configured`,
    409,
  );
}

/** A site created before sites had their own system user and a root-owned folder around their files. */
export function legacySite(domain: string, why: string): OperationError {
  return new OperationError(
    'sftp_legacy_site',
    {
      en: `Ask your provider to move ${domain} to a folder of its own first: the site was created before file access (SFTP) existed.`,
      fr: `Demandez d'abord à votre hébergeur de passer ${domain} dans un dossier à lui\u00a0: le site a été créé avant que l'accès aux fichiers (SFTP) n'existe.`,
    },
    {
      en: 'Your files stay as they are; once the site is moved, ask again. Nothing was changed.',
      fr: 'Vos fichiers restent tels quels\u00a0; une fois le site déplacé, redemandez. Rien n’a été modifié.',
    },
    `${why}: SFTP needs the site-user layout (its own system user, <web root>/<domain>/ root's 0755 as the chroot, ` +
      'its files in public/ owned by that user), which vhost.create gives new sites on a web server with siteUsers: true',
    409,
  );
}

/** A site that forwards to an application has no folder to reach. */
export function noFolder(domain: string): OperationError {
  return new OperationError(
    'sftp_no_folder',
    {
      en: `${domain} shows an application and has no folder of files, so there is nothing to reach with SFTP.`,
      fr: `${domain} affiche une application et n'a pas de dossier de fichiers\u00a0: il n'y a rien à atteindre en SFTP.`,
    },
    {
      en: 'Ask for file access on a site that serves files. Nothing was changed.',
      fr: "Demandez l'accès aux fichiers pour un site qui sert des fichiers. Rien n'a été modifié.",
    },
    undefined,
    409,
  );
}

/** sshd would refuse to lock the account in this folder: a folder above the site is not root's, or is writable by others. */
export function chrootUnsafe(domain: string, detail: string): OperationError {
  return new OperationError(
    'sftp_chroot_unsafe',
    {
      en: `File access (SFTP) cannot be set up for ${domain} yet: its folders are not arranged safely on the server.`,
      fr: `L'accès aux fichiers (SFTP) ne peut pas encore être mis en place pour ${domain}\u00a0: ses dossiers ne sont pas disposés de façon sûre sur le serveur.`,
    },
    {
      en: 'Your provider can fix it; nothing was changed.',
      fr: "Votre hébergeur peut le corriger\u00a0; rien n'a été modifié.",
    },
    detail,
    409,
  );
}

/**
 * The admin's sshd lets in only the users or groups it names (AllowUsers, AllowGroups), and
 * not this site's user: an account made anyway could never log in. The client reads that
 * their provider must allow it; the admin reads in the detail which setting and how.
 */
export function loginNotAllowed(domain: string, detail: string): OperationError {
  return new OperationError(
    'sftp_login_not_allowed',
    {
      en: `Ask your provider to allow file access (SFTP) for ${domain}: the server only lets in the accounts it names, and this site's is not one of them.`,
      fr: `Demandez à votre hébergeur d'autoriser l'accès aux fichiers (SFTP) pour ${domain}\u00a0: le serveur ne laisse entrer que les comptes qu'il nomme, et celui de ce site n'en fait pas partie.`,
    },
    {
      en: 'Once it is allowed, ask again. Nothing was changed.',
      fr: "Une fois l'accès autorisé, redemandez. Rien n'a été modifié.",
    },
    detail,
    409,
  );
}

/** The site already has an account: create again would silently replace the way in. */
export function accountExists(domain: string): OperationError {
  return conflict(
    { en: `${domain} already has SFTP access.`, fr: `${domain} a déjà un accès SFTP.` },
    {
      en: 'To get a new password, reset it; to change the key, remove the access and create it again. Nothing was changed.',
      fr: 'Pour un nouveau mot de passe, réinitialisez-le\u00a0; pour changer de clé, supprimez l’accès puis recréez-le. Rien n’a été modifié.',
    },
  );
}

/** reset or delete on a site without an account. */
export function noAccount(domain: string): OperationError {
  return notFound(
    { en: `SFTP access for ${domain}`, fr: `L'accès SFTP de ${domain}` },
    {
      message: { en: `${domain} has no SFTP access.`, fr: `${domain} n'a pas d'accès SFTP.` },
      hint: { en: 'Create it first.', fr: "Créez-le d'abord." },
    },
  );
}

/** The server takes keys only (passwordAuthentication: false). */
export function keysOnly(domain: string): OperationError {
  return invalidInput(
    {
      en: `Give your public key: the server of ${domain} accepts keys only, no passwords.`,
      fr: `Donnez votre clé publique${NB}: le serveur de ${domain} n'accepte que des clés, pas de mot de passe.`,
    },
    {
      en: 'Paste the line of your .pub file (it starts with ssh-ed25519 or ecdsa-sha2-…).',
      fr: 'Collez la ligne de votre fichier .pub (elle commence par ssh-ed25519 ou ecdsa-sha2-…).',
    },
  );
}

/** The public key is not one line of a key type and size sshd accepts. */
export function badPublicKey(why: string): OperationError {
  return invalidInput(
    {
      en: `Paste your public key as one line, as in your .pub file: this one cannot be used (${why}).`,
      fr: `Collez votre clé publique sur une ligne, comme dans votre fichier .pub\u00a0: celle-ci ne peut pas être utilisée (${why}).`,
    },
    {
      en: 'Keys of type ssh-ed25519, ecdsa-sha2-nistp256/384/521, or ssh-rsa of 3072 bits or more are accepted; never paste a private key.',
      fr: 'Les clés ssh-ed25519, ecdsa-sha2-nistp256/384/521, ou ssh-rsa de 3072 bits ou plus sont acceptées\u00a0; ne collez jamais une clé privée.',
    },
  );
}

/** sshd -t refused the new settings: they were taken back, sshd never used them. */
export function sshdRejected(output: string): OperationError {
  return new OperationError(
    'sshd_rejected',
    {
      en: 'The file access server refused the new settings, so nothing was changed.',
      fr: "Le serveur d'accès aux fichiers a refusé les nouveaux réglages\u00a0; rien n'a donc été modifié.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    `sshd -t: ${output}`,
  );
}

/** sshd could not be reloaded, or stopped answering after it: the previous settings were put back. */
export function sshdReloadFailed(detail: string): OperationError {
  return new OperationError(
    'sshd_reload_failed',
    {
      en: 'The file access server could not take the new settings, so the change was undone.',
      fr: "Le serveur d'accès aux fichiers n'a pas pu prendre les nouveaux réglages\u00a0; la modification a donc été annulée.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    detail,
  );
}

/** A system command on the account (chpasswd, usermod) failed. */
export function accountCommandFailed(detail: string): OperationError {
  return new OperationError(
    'sftp_account_failed',
    {
      en: 'The SFTP account could not be changed on the server; nothing was left half-done.',
      fr: "Le compte SFTP n'a pas pu être modifié sur le serveur\u00a0; rien n'a été laissé à moitié fait.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    detail,
  );
}
