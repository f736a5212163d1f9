// Live template preview: the editor's form is rendered by the server as you type (same function as Preview).
;(() => {
  const form = document.getElementById('template-form')
  if (!form) return
  const set = (id, text) => {
    const element = document.getElementById(id)
    if (element) element.textContent = text
  }
  let timer
  let latest = 0
  const refresh = async () => {
    const ticket = ++latest
    const body = new URLSearchParams(new FormData(form))
    const response = await fetch(form.dataset.previewUrl, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    })
    if (ticket !== latest) return
    const answer = await response.json().catch(() => ({}))
    const error = document.getElementById('preview-error')
    if (!response.ok) {
      if (error) {
        error.hidden = false
        error.textContent = answer.error_description ?? 'The preview failed.'
      }
      return
    }
    if (error) error.hidden = true
    set('preview-locale', answer.locale)
    set('preview-subject', answer.subject)
    set('preview-text', answer.text)
    if (answer.spoken) {
      set('preview-voice', answer.spoken.language)
      set('preview-speech', answer.spoken.text)
    }
    const segments = document.getElementById('preview-segments')
    if (segments && answer.sms_segments) {
      const count = answer.sms_segments
      const unit = count.encoding === 'GSM-7' ? 'GSM-7 characters' : 'UCS-2 units'
      segments.textContent = `${count.characters} ${unit} · ${count.segments} segment${count.segments === 1 ? '' : 's'}`
      segments.className = `badge ${count.segments > 1 ? 'failed' : 'approved'}`
    }
  }
  form.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(refresh, 250)
  })
  // Channel changes the form's fields (subject, HTML): reload the editor for it.
  form.querySelector('#t-channel')?.addEventListener('change', (event) => {
    const params = new URLSearchParams({
      channel: event.target.value,
      scene: form.scene.value,
      locale: form.locale.value,
    })
    window.location.search = params.toString()
  })
})()
