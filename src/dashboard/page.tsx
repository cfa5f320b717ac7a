/**
 * The dashboard's HTML: a shell with no fleet data in it. It is served without auth (a browser
 * cannot send a bearer header on navigation), so everything a fleet says arrives later, from the
 * JSON API, with the token the user typed. Scripts and styles are separate files because the
 * Content-Security-Policy forbids inline ones.
 * @module
 */

export const Page = () => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>vastfleet</title>
      {/* No favicon request: /favicon.ico would only earn a 401 from the API. */}
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href="/assets/app.css" />
      <script src="/assets/app.js" defer></script>
    </head>
    <body>
      <header class="top">
        <h1>vastfleet</h1>
        <span id="who" class="who" hidden></span>
        <span id="updated" class="muted"></span>
        <button id="signout" type="button" class="link" hidden>
          Sign out
        </button>
      </header>
      <section id="signin" class="card signin" aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <form id="signin-form" autocomplete="off">
          <label for="token">API token</label>
          <input id="token" name="token" type="password" required spellcheck={false} />
          <button type="submit">Sign in</button>
          <p id="signin-error" class="error" role="alert" hidden></p>
        </form>
        <p class="muted">
          The admin token (API_TOKEN) can scale, pause and stop fleets; the read token (API_READ_TOKEN) can only look. The token stays in
          this tab's session storage and is sent only in the Authorization header.
        </p>
      </section>
      <main id="dash" hidden>
        <p id="notice" class="notice" role="status" aria-live="polite" hidden></p>
        <section id="overview" class="card" aria-label="All fleets"></section>
        <div id="fleets"></div>
      </main>
      <noscript>
        <p class="card">The dashboard needs JavaScript; the API answers curl too: GET /status?format=text.</p>
      </noscript>
    </body>
  </html>
);
