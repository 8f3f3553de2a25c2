import { NB } from '../dns/messages-words.js';
import { OperationError } from '../errors.js';

/**
 * What a client reads when serein refused to work in its site folder because a folder
 * there is a symbolic link, or moved while serein worked (src/targets/site-folder.ts): the
 * client's own doing, so the job fails plainly (CLIENT_CAUSED) and says what to do first;
 * the folder's path and the script's words go to the admin detail only.
 */
export const siteFolderLink = (doing: 'create' | 'delete', detail: string) =>
  new OperationError(
    'site_folder_link',
    doing === 'create'
      ? {
          en: "Replace the symbolic link in your site's folder with a real folder, then try again.",
          fr: `Remplacez le lien symbolique du dossier de votre site par un vrai dossier, puis réessayez.`,
        }
      : {
          en: "Remove the symbolic link from your site's folder (or put back the folder it replaced), then delete the site again.",
          fr: `Retirez le lien symbolique du dossier de votre site (ou remettez le dossier qu'il remplace), puis supprimez à nouveau le site.`,
        },
    doing === 'create'
      ? {
          en: 'A folder of your site is a symbolic link (a shortcut to another place), or was moved while we worked in it. So as never to touch anything outside your site, we do not follow such links: nothing was changed.',
          fr: `Un dossier de votre site est un lien symbolique (un raccourci vers un autre endroit), ou a été déplacé pendant que nous y travaillions. Pour ne jamais toucher à ce qui est hors de votre site, nous ne suivons pas ces liens${NB}: rien n'a été modifié.`,
        }
      : {
          en: 'A folder of your site is a symbolic link (a shortcut to another place), or was moved while we deleted it. So as never to delete anything outside your site, we stopped: no file was deleted and your site is online as before.',
          fr: `Un dossier de votre site est un lien symbolique (un raccourci vers un autre endroit), ou a été déplacé pendant la suppression. Pour ne jamais effacer ce qui est hors de votre site, nous nous sommes arrêtés${NB}: aucun fichier n'a été effacé et votre site est en ligne comme avant.`,
        },
    detail,
    409,
  );
