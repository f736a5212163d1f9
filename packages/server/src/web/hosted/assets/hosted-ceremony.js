// A ceremony's button on the hosted pages (a passkey's sign-in or creation), with @simplewebauthn/browser
// (served by Tessera as /hosted/assets/webauthn.js). Without a passkey, or a browser that has none, the page's
// other ways stay: the error says so and the fallback form is there below.
;(() => {
  const box = document.querySelector('[data-ceremony]')
  if (!box) return
  const button = box.querySelector('[data-ceremony-button]')
  const alert = document.getElementById('alert')
  const lib = window.SimpleWebAuthnBrowser
  const say = (text) => {
    if (!alert) return
    alert.className = 'alert error'
    alert.textContent = text
  }
  const fallback = () => document.querySelector('form[action$="/start"] input:not([type=hidden]), form button')
  if (!lib?.browserSupportsWebAuthn()) {
    button.disabled = true
    say(box.dataset.unsupported)
    return
  }
  const post = async (url, body) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ ...body, csrf: box.dataset.csrf }),
    })
    return { ok: response.ok, body: await response.json().catch(() => ({})) }
  }
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      const started = await post(box.dataset.options, {})
      if (!started.ok) {
        say(started.body.error_description || box.dataset.failed)
        return
      }
      let credential
      try {
        credential =
          started.body.kind === 'create'
            ? await lib.startRegistration({ optionsJSON: started.body.options })
            : await lib.startAuthentication({ optionsJSON: started.body.options })
      } catch {
        // Canceled, timed out, or no passkey on this device: the other ways are below.
        say(box.dataset.failed)
        fallback()?.focus()
        return
      }
      const verified = await post(box.dataset.verify, { credential })
      if (!verified.ok) {
        say(verified.body.error_description || box.dataset.failed)
        return
      }
      window.location.assign(verified.body.redirect_to)
    } catch {
      say(box.dataset.failed)
    } finally {
      button.disabled = false
    }
  })
})()
