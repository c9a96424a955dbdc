// examples/public/grafx-auth.js
// The page's GraFx Studio handlers: fetchGrafxToken() from the app's route, and the SDK's onAuthExpired built on it.
// @ts-check
/* global fetch */

/**
 * @typedef {import('express-grafx-auth').GrafxBrowserToken} GrafxBrowserToken
 * @typedef {import('@chili-publish/studio-sdk').AuthRefreshRequest} AuthRefreshRequest
 * @typedef {import('@chili-publish/studio-sdk').AuthCredentials} AuthCredentials
 * @typedef {Pick<typeof import('@chili-publish/studio-sdk'), 'AuthRefreshTypeEnum' | 'GrafxTokenAuthCredentials'>} StudioSdkClasses
 */

/** The notice when the app has no browser integration (the token route answers 404). */
export const TOKEN_ROUTE_OFF =
  'This app has no browser integration: the token route is off. Set GRAFX_BROWSER_CLIENT_ID and ' +
  'GRAFX_BROWSER_CLIENT_SECRET (a read-only integration) and restart the app.';

/**
 * Asks the app's own token route (grafxTokenHandler) for a token, never the login server: the client secret stays
 * on the server. This is also Studio UI's `refreshTokenAction` (resolve with `.token`).
 * @param {string} route the token route's URL
 * @param {GrafxBrowserToken} [refused] the route's previous answer, when the API refused its token: the route then
 *   renews the token (`?refused=<tokenId>`: the token's public id, never the token itself)
 * @returns {Promise<GrafxBrowserToken>}
 */
export async function fetchGrafxToken(route, refused) {
  const url =
    refused === undefined
      ? route
      : `${route}${route.includes('?') ? '&' : '?'}refused=${encodeURIComponent(refused.tokenId)}`;
  const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 404) throw new Error(TOKEN_ROUTE_OFF);
  if (!response.ok) throw new Error(`The token route answered ${response.status}.`);
  return /** @type {GrafxBrowserToken} */ (await response.json());
}

/**
 * The Studio SDK's `onAuthExpired` (SDK 1.44 and later): a `grafxToken` request gets
 * `new GrafxTokenAuthCredentials(token)` with a fresh token from the route; an `any` request (a connector's own
 * authentication) gets null, as does a failure: a thrown error would propagate into the editor.
 * The SDK's classes are passed in: a bundled page imports them from '@chili-publish/studio-sdk', this page takes
 * them from the SDK's browser bundle (`window.StudioSDK`).
 * @param {StudioSdkClasses} sdk
 * @param {() => Promise<GrafxBrowserToken>} getToken e.g. () => fetchGrafxToken('/grafx/token')
 * @param {(error: unknown) => void} [onError] told of a failure that was answered with null
 * @returns {(request: AuthRefreshRequest) => Promise<AuthCredentials | null>}
 */
export function createOnAuthExpired(sdk, getToken, onError = () => undefined) {
  return async (request) => {
    if (request.type !== sdk.AuthRefreshTypeEnum.grafxToken) return null;
    try {
      const { token } = await getToken();
      return new sdk.GrafxTokenAuthCredentials(token);
    } catch (error) {
      onError(error);
      return null;
    }
  };
}
