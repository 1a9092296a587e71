// The live chat page a customer opens from their chat link: the thread, and a box to write in.
// Plain HTML, one inline stylesheet and one inline script, allowed by their hashes in a strict
// Content-Security-Policy (nothing else loads; the only connections are to this origin). The script
// reads the token from its own URL, follows GET <link>/events (Server-Sent Events, one per message,
// resumed by the browser with Last-Event-ID) and posts to <link>/messages with a client-made id as
// the Idempotency-Key, so a double send or a retry is one message. Text is set with textContent only.
import { createHash } from 'node:crypto';

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
main { max-width: 40rem; margin: 0 auto; display: flex; flex-direction: column; height: 100vh; }
header { padding: .75rem 1rem; background: #24344d; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
header p { margin: .2rem 0 0; font-size: .85rem; opacity: .8; }
#thread { flex: 1; overflow-y: auto; list-style: none; margin: 0; padding: 1rem; }
#thread li { margin: 0 0 .75rem; padding: .5rem .75rem; border-radius: .5rem; max-width: 85%; background: #fff; }
#thread li.customer { margin-left: auto; background: #dcebff; }
#thread li.system { background: #eef7ee; }
.who { font-size: .75rem; color: #5a6477; margin-bottom: .2rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
form { display: flex; gap: .5rem; padding: .75rem 1rem; background: #fff; border-top: 1px solid #d8dce3; }
textarea { flex: 1; font: inherit; resize: vertical; min-height: 2.5rem; }
button { font: inherit; padding: 0 1rem; }
#status { font-size: .8rem; color: #5a6477; padding: 0 1rem .5rem; background: #fff; min-height: 1rem; margin: 0; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var base = '/chat/' + location.pathname.split('/')[2];
  var thread = document.getElementById('thread');
  var form = document.getElementById('composer');
  var input = document.getElementById('text');
  var button = document.getElementById('send');
  var status = document.getElementById('status');
  var shown = {};
  var pending = null;
  function say(text) { status.textContent = text; }
  function show(m) {
    if (shown[m.n]) return;
    shown[m.n] = true;
    var li = document.createElement('li');
    li.className = m.from;
    li.setAttribute('data-n', String(m.n));
    var who = document.createElement('div');
    who.className = 'who';
    who.textContent = (m.from === 'customer' ? 'You' : m.name) + ' \\u00b7 ' + new Date(m.at).toLocaleString();
    var text = document.createElement('div');
    text.className = 'text';
    text.textContent = m.text;
    li.appendChild(who);
    li.appendChild(text);
    var next = null;
    for (var i = 0; i < thread.children.length; i++) {
      if (Number(thread.children[i].getAttribute('data-n')) > m.n) { next = thread.children[i]; break; }
    }
    thread.insertBefore(li, next);
    thread.scrollTop = thread.scrollHeight;
  }
  var events = new EventSource(base + '/events');
  events.addEventListener('open', function () { say(''); });
  events.addEventListener('message', function (e) { show(JSON.parse(e.data)); });
  events.addEventListener('expired', function () { events.close(); say('This chat link has expired: ask us for a new one.'); });
  events.addEventListener('gone', function () { events.close(); say('This conversation has ended.'); });
  events.addEventListener('error', function () {
    say(events.readyState === EventSource.CLOSED ? 'This chat link no longer works.' : 'Reconnecting\\u2026');
  });
  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }
  function send() {
    var text = input.value.trim();
    if (!text || button.disabled) return;
    // The same text after a failed attempt keeps its id: the retry is the same message.
    if (!pending || pending.text !== text) pending = { id: 'chat-' + newId(), text: text };
    var p = pending;
    button.disabled = true;
    say('Sending\\u2026');
    fetch(base + '/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': p.id },
      body: JSON.stringify({ text: p.text })
    }).then(function (res) {
      if (res.ok) {
        if (pending === p) pending = null;
        if (input.value.trim() === p.text) input.value = '';
        say('');
        return;
      }
      return res.json().then(function (b) { say('Not sent: ' + ((b && b.error && b.error.message) || res.status)); });
    }).catch(function () {
      say('Not sent: check your connection and press Send again.');
    }).then(function () { button.disabled = false; input.focus(); });
  }
  form.addEventListener('submit', function (e) { e.preventDefault(); send(); });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
  });
})();
`;

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The page's Content-Security-Policy: its own stylesheet and script, connections to this origin, nothing else. */
export const CHAT_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers the page is served with: the CSP, and no referrer (the link is the credential). */
export const CHAT_PAGE_HEADERS = {
  'Content-Security-Policy': CHAT_PAGE_CSP,
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The chat page of a case. */
export function renderChatPage(caseId: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>EduStream Support chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<style>${STYLE}</style></head>
<body><main>
<header><h1>EduStream Support</h1><p>Your case ${escapeHtml(caseId)}</p></header>
<ol id="thread" aria-live="polite"></ol>
<p id="status" role="status">Connecting\u2026</p>
<form id="composer"><textarea id="text" name="text" rows="2" maxlength="4000" placeholder="Write a message" aria-label="Your message" required></textarea>
<button id="send" type="submit">Send</button></form>
</main><script>${SCRIPT}</script></body></html>`;
}
