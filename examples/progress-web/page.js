// The page's side of examples/progress-web: plain browser JavaScript, no build step.
// One EventSource per turn; each event adds to or updates the timeline, in arrival order.
/* global document, EventSource, fetch */

const $ = (id) => document.getElementById(id);
const timeline = $('timeline');
const messages = new Map(); // agent message item id -> its element
const items = new Map(); // command / file change item id -> its element

/** Appends an element to the timeline (all text goes in as textContent, never as HTML). */
function add(tag, className) {
  const element = document.createElement(tag);
  element.className = className;
  timeline.append(element);
  return element;
}

function onText({ itemId, delta }) {
  let element = messages.get(itemId);
  if (!element) {
    for (const other of messages.values()) other.classList.remove('streaming');
    element = add('li', 'message streaming');
    element.dataset.itemId = itemId;
    messages.set(itemId, element);
  }
  element.textContent += delta;
}

function onItem(item) {
  let element = items.get(item.id);
  if (!element) {
    element = add('li', 'item');
    element.dataset.itemId = item.id;
    element.dataset.kind = item.kind;
    const badge = document.createElement('span');
    badge.className = 'badge';
    const label = document.createElement('code');
    element.append(badge, label);
    items.set(item.id, element);
  }
  const [badge, label] = element.children;
  badge.textContent = item.status;
  badge.className = `badge ${item.status}`;
  element.dataset.status = item.status;
  label.textContent = `${item.kind}: ${item.label}${item.exitCode != null ? ` (exit ${item.exitCode})` : ''}`;
}

function onApproval(approval) {
  const host = items.get(approval.itemId) ?? add('li', 'item');
  const box = document.createElement('div');
  box.className = 'approval';
  box.id = `approval-${approval.id}`;
  box.append(`Approve ${approval.kind}${approval.reason ? ` (${approval.reason})` : ''}? `);
  for (const decision of ['accept', 'decline']) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = decision;
    button.textContent = decision === 'accept' ? 'Accept' : 'Decline';
    button.addEventListener('click', async () => {
      for (const b of box.querySelectorAll('button')) b.disabled = true;
      const res = await fetch(`/approvals/${approval.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision }),
      });
      if (!res.ok) box.append(` (${await res.text()})`);
    });
    box.append(button);
  }
  host.append(box);
  $('status').textContent = 'Waiting for your answer…';
}

function onApprovalAnswered({ id, decision }) {
  const box = document.getElementById(`approval-${id}`);
  if (box) box.replaceChildren(`You chose: ${decision}.`);
  $('status').textContent = 'Running…';
}

function onDone({ status, error, usage }, source) {
  source.close(); // before the stream ends, or EventSource would reconnect
  for (const element of messages.values()) element.classList.remove('streaming');
  $('status').textContent = `Turn ${status}.${error ? ` ${error}` : ''}`;
  $('status').dataset.status = status;
  $('usage').textContent = usage
    ? `Tokens: ${usage.inputTokens} input (${usage.cachedInputTokens} cached), ${usage.outputTokens} output, ${usage.totalTokens} total.`
    : 'No token usage reported.';
  $('run').disabled = false;
}

$('start').addEventListener('submit', (event) => {
  event.preventDefault();
  timeline.replaceChildren();
  messages.clear();
  items.clear();
  $('usage').textContent = '';
  $('status').textContent = 'Starting…';
  $('run').disabled = true;
  const source = new EventSource(`/turn?prompt=${encodeURIComponent($('prompt').value)}`);
  const on = (name, handler) => source.addEventListener(name, (e) => handler(JSON.parse(e.data), source));
  on('started', () => ($('status').textContent = 'Running…'));
  on('text', onText);
  on('item-started', onItem);
  on('item-completed', onItem);
  on('approval', onApproval);
  on('approval-answered', onApprovalAnswered);
  on('done', onDone);
  on('failed', ({ message }, s) => {
    s.close();
    $('status').textContent = `Failed: ${message}`;
    $('run').disabled = false;
  });
});
