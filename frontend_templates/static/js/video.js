// The video meeting stays a link until someone asks to embed it: no third-party request before.
const $ = (id) => document.getElementById(id);
const button = $('video-embed');
const link = document.querySelector('#video a');
if (button && link?.protocol === 'https:') {
  button.hidden = $('video-note').hidden = false;
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') === 'true';
    const box = $('video-frame');
    if (open) box.replaceChildren();
    else {
      const frame = document.createElement('iframe');
      frame.src = link.href;
      frame.title = button.dataset.frameTitle;
      frame.referrerPolicy = 'no-referrer';
      frame.allow = 'camera; microphone; display-capture; fullscreen; autoplay';
      box.replaceChildren(frame);
    }
    button.setAttribute('aria-expanded', String(!open));
    button.textContent = open ? button.dataset.open : button.dataset.close;
  });
}
