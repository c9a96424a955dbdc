// examples/public/studio.js
// The page's script: an onAuthExpired-style token refresh from the app's route, and the templates list with that token.
/* global document, fetch */

/** The app's token route (see grafxTokenHandler); the answer is { token, expiresAt, environmentApiUrl }. */
const TOKEN_ROUTE = '/grafx/token';

/** The last answer of the token route. With the Studio SDK: setValue('GRAFX_AUTH_TOKEN' / 'ENVIRONMENT_API', ...). */
let grafx;

/**
 * What GraFx Studio's `onAuthExpired` (Studio UI: `refreshTokenAction`) does: ask the app's own server for a
 * token, never the login server (the client secret stays on the server). Resolves with the token.
 */
async function refreshToken() {
  const response = await fetch(TOKEN_ROUTE, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 404) {
    throw new Error('This app has no browser integration: the token route is off (see the README).');
  }
  if (!response.ok) throw new Error(`The token route answered ${response.status}.`);
  grafx = await response.json();
  return grafx.token;
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
  const token = grafx === undefined ? await refreshToken() : grafx.token;
  let response = await getTemplates(token);
  if (response.status === 401) response = await getTemplates(await refreshToken());
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
