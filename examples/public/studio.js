// examples/public/studio.js
// The page's script: the templates list, with tokens the Studio SDK's onAuthExpired (grafx-auth.js) gets from the app.
/* global document, fetch, window */
import { createOnAuthExpired, fetchGrafxToken } from './grafx-auth.js';

/** The app's token route (see grafxTokenHandler); the answer is { token, expiresAt, environmentApiUrl }. */
const TOKEN_ROUTE = '/grafx/token';

/** The last answer of the token route. With the Studio SDK: setValue('GRAFX_AUTH_TOKEN' / 'ENVIRONMENT_API', ...). */
let grafx;
/** Why the last onAuthExpired answered null. */
let lastFailure;

/** The Studio SDK's browser bundle (/vendor/studio-sdk.js) defines window.StudioSDK; without it nothing works. */
const sdk = window.StudioSDK;

/** The page's onAuthExpired, as the SDK would be given it: `new StudioSDK({ onAuthExpired })`. */
const onAuthExpired =
  sdk &&
  createOnAuthExpired(
    sdk,
    async () => {
      // The SDK asks when the API refused the token it had: the route renews that one (the first time, none yet).
      grafx = await fetchGrafxToken(TOKEN_ROUTE, grafx);
      return grafx;
    },
    (error) => {
      lastFailure = error;
    },
  );

/** What the SDK's engine does when the token has expired: asks onAuthExpired, and uses the credentials' token. */
async function freshToken() {
  const credentials = await onAuthExpired({ type: sdk.AuthRefreshTypeEnum.grafxToken });
  if (credentials === null) throw lastFailure instanceof Error ? lastFailure : new Error('No GraFx token.');
  if (!(credentials instanceof sdk.GrafxTokenAuthCredentials)) throw new Error('onAuthExpired gave no credentials.');
  return credentials.token;
}

/** `GET templates` of the environment API, straight from the browser (a CORS request), with the bearer token. */
async function getTemplates(token) {
  try {
    return await fetch(`${grafx.environmentApiUrl}templates`, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new Error(`The environment API ${grafx.environmentApiUrl} could not be reached (network or CORS).`);
  }
}

/** Loads the templates; on a 401 asks for a fresh token once and repeats the request, as the Studio SDK does. */
async function loadTemplates() {
  if (!sdk) throw new Error('The Studio SDK bundle /vendor/studio-sdk.js did not load: run `npm install`.');
  const token = grafx === undefined ? await freshToken() : grafx.token;
  let response = await getTemplates(token);
  if (response.status === 401) response = await getTemplates(await freshToken());
  if (!response.ok) throw new Error(`The environment API answered ${response.status}.`);
  const { data } = await response.json();
  return data;
}

function show(templates) {
  const list = document.getElementById('templates');
  list.replaceChildren(
    ...templates.map((template) => {
      const item = document.createElement('li');
      item.textContent = template.name;
      return item;
    }),
  );
}

async function reload() {
  const status = document.getElementById('status');
  const { body } = document;
  body.dataset.state = 'loading';
  status.textContent = 'Loading…';
  delete status.dataset.kind;
  try {
    const templates = await loadTemplates();
    show(templates);
    status.textContent = `${templates.length} templates; token valid until ${new Date(grafx.expiresAt).toLocaleString()}.`;
    body.dataset.loads = String(Number(body.dataset.loads) + 1);
    body.dataset.state = 'ready';
  } catch (error) {
    status.textContent = error instanceof Error ? error.message : String(error);
    status.dataset.kind = 'error';
    body.dataset.state = 'error';
  }
}

document.getElementById('reload').addEventListener('click', () => void reload());
void reload();
