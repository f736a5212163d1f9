// Progressive enhancement for the hosted pages: everything works without it.
;(() => {
  // Formats the phone number as it is typed, for the chosen country (libphonenumber-js's AsYouType);
  // a number typed with its + picks the country itself.
  const phoneForm = document.querySelector('[data-phone-form="on"]')
  const lib = window.libphonenumber
  if (phoneForm && lib) {
    const select = phoneForm.querySelector('#country')
    const input = phoneForm.querySelector('#phone')
    const reformat = () => {
      const value = input.value
      if (!value.trim()) return
      const international = value.trim().startsWith('+')
      const typer = international ? new lib.AsYouType() : new lib.AsYouType(select.value)
      const formatted = typer.input(value)
      if (international) {
        const country = typer.getCountry()
        if (country && select.querySelector(`option[value="${country}"]`)) select.value = country
      }
      const atEnd = input.selectionStart === value.length
      input.value = formatted
      if (atEnd) input.setSelectionRange(formatted.length, formatted.length)
    }
    input.addEventListener('input', (event) => {
      // Deleting must not fight the person: formatting resumes on the next character typed.
      if (event.inputType?.startsWith('delete')) return
      reformat()
    })
    select.addEventListener('change', reformat)
    reformat()
  }

  // Codes pasted or autofilled with spaces or dashes are cleaned up.
  const code = document.querySelector('input[data-length]')
  if (code) {
    code.addEventListener('input', () => {
      let cleaned = code.value.replace(/[\s-]/g, '')
      cleaned = code.inputMode === 'numeric' ? cleaned.replace(/\D/g, '') : cleaned.toUpperCase()
      if (cleaned !== code.value) code.value = cleaned
    })
  }

  // One submission per click: a second would spend an attempt or a send.
  for (const form of document.querySelectorAll('form')) {
    form.addEventListener('submit', () => {
      const button = form.querySelector('button[type=submit]')
      if (button) setTimeout(() => (button.disabled = true), 0)
    })
  }

  // The resend countdown.
  const resend = document.querySelector('[data-resend-in]')
  if (resend) {
    const until = Date.now() + Number(resend.dataset.resendIn) * 1000
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000)
      if (left <= 0) {
        resend.disabled = false
        resend.textContent = resend.dataset.label
        return
      }
      resend.disabled = true
      const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`
      resend.textContent = resend.dataset.waitLabel.replace('{time}', time)
      setTimeout(tick, 500)
    }
    tick()
  }
})()
