package listen

// details is the reference part of listen's help: the man page and the
// Markdown reference carry it, --help stays short.
const details = `The listener accepts any method and path and answers 200 at once (--status
to answer something else). It binds 127.0.0.1:4280 unless told otherwise;
binding a non-loopback address prints a warning. The URL goes to stderr.

Output: a card per event on a terminal, stable plain text (one block per
event) when stdout is not a terminal, and with --json one wa-cb.event/v1
object per line, carrying the request facts request_id, received_at,
method, path and, when an app secret is set, signature (valid, invalid or
missing). --compact prints one line per event instead (time, family,
kind and type or status, from or to, the start of the text, id, answer,
and what is wrong), for long sessions; plain on a pipe.

Every message's story: statuses arrive late, twice and out of order. Each
status event says what it means for its message, as the "lifecycle"
object of --json, a row of the card and the end of a compact line:
{"seq":2,"previous":"sent","since_previous_ms":812,"flags":["out_of_order"],
"missing":["delivered"]}. seq is its place among the message's statuses by
arrival; since_previous_ms the gap by the statuses' own timestamps
(negative when it claims to be older); flags out_of_order (delivered after
read, sent after delivered), duplicate, failed_after_delivered and
after_failure (a delivery after failed); missing the earlier steps never
seen (read without delivered). The summary at exit lists the messages with
anomalies. At most --timelines messages are followed (the least recently
updated are dropped past it, and counted).

Meta's subscription handshake (GET ?hub.mode=subscribe&hub.verify_token=…
&hub.challenge=…) is answered with the challenge as text/plain. With
--verify-token (or WA_CB_VERIFY_TOKEN) a wrong token or mode gets 403;
without one the challenge is echoed unchecked, a warning goes to stderr and
the event is marked "handshake": "unchecked". With --forward-to and no
--verify-token the handshake goes to your app, which answers it
("handshake": "passed-on").

With --app-secret (or WA_CB_APP_SECRET) every request's
X-Hub-Signature-256 is checked over the raw body bytes. Only Meta Cloud
signs its notifications: Kaleyra (v1 and v2), Meta on-premises and the
handshake GET never do, so they are not marked "missing".
--require-signature answers 401 to Cloud requests (and requests of no
known family) without a valid signature, and to any request whose
signature is invalid; Kaleyra and on-premises callbacks pass. Refused
requests are still shown.

Bodies over --max-body (default 3MiB, Meta's maximum) are answered 413
once the rest of the body is read and dropped (up to 64MiB and for 10s at
most, as nginx lingers), so the sender sees the answer rather than a broken
pipe; they are reported on stderr, counted in the summary, and with --json emitted as an
unknown event whose decode_error says so. A request the decoder cannot read
is shown raw with its decode error; nothing accepted is dropped.

A body sent with Content-Encoding gzip or deflate is decoded decompressed,
and --max-body bounds it decompressed too (a body that inflates past it is
answered 413); it is forwarded and recorded as received, header included
(with --redact, the masked payload is kept uncompressed). Any other encoding
is decoded as received and said in decode_error.

--max-events N exits 0 once N events were shown (the request that reaches
N is answered first; requests already in flight then are still shown).
Ctrl-C or SIGTERM stops gracefully: requests in flight finish, output is
flushed, the recording is synced, and a summary goes to stderr.

Forwarding (--forward-to URL): every accepted callback is passed on to your
app with the same method, query, headers and body bytes, so signatures
still verify. Hop-by-hop headers (Connection and those it names,
Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade) and Expect
are dropped; Host is the app's; X-Forwarded-For, X-Forwarded-Host and
X-Forwarded-Proto are added. The path is the target's path followed by the request's, the
target's query before the request's:

  --forward-to http://127.0.0.1:3000/hooks   POST /wa?x=1  ->  /hooks/wa?x=1
  --forward-to http://127.0.0.1:3000/hooks/  POST /wa      ->  /hooks/wa
  --forward-to http://127.0.0.1:3000/hooks   POST /        ->  /hooks

The caller gets the app's real answer (status, body, content type), so the
sender's retries behave as they would in production; --status overrides
it. An app that cannot be reached gets the caller a 502, one slower than
--forward-timeout a 504; the line under the event says why. Redirects are
not followed, no proxy from the environment is used; --forward-insecure
accepts the self-signed certificate of an https development server.
Requests the listener refuses itself (413, or 401 under
--require-signature) are not forwarded. Each forward is shown
under its request's events (status, latency, start of the answer); with
--json it is a line of its own: {"schema":"wa-cb.forward/v1",
"kind":"forward", "request_id", "url", "status", "latency_ms", "body",
"error", "answered"}.

Answering like a failing app: --delay DURATION answers each request that
long after it arrived; --fail-every N answers every Nth request, and
--fail-rate P a random share P of them (--seed N repeats the draws), with
--fail-status (500). The output and the recording show the answer given.

Recording (--record FILE): every exchange (refused and unreadable requests
too) is appended to FILE as one JSON line as soon as it is answered: the
request with its exact body bytes (base64 when not UTF-8), when it came,
its events, the answer given and the forward result. wa-cb replay sends
them again.

Waiting in scripts and CI: --until EXPR exits 0 as soon as --count events
(default 1) match the jq expression, run over each event's JSON as
received (before --redact), e.g. '.kind == "status" and .status == "read"'.
With --timeout D it exits 3 when D passes first, and says on stderr what
did arrive; without --timeout it waits for ever. --timeout also bounds
--max-events. An invalid expression exits 2 before listening.

Privacy: --redact masks personal data in the cards, compact lines, the
--json stream, the forward line, the web inspector and the recording
(events with their raw payloads, request bodies, query strings, the
forwarded URL, the app's answer), the same value always to the same token:
  masked  phone numbers and WhatsApp ids wherever they appear (from, to,
          business number, recipient_id, a group status's participant,
          wa_id, mobile, phone_number, wanumber, contacts, context,
          mentions; in unreadable text every run of 7+ digits) as
          phone:3fa91c; business-scoped user ids as
          user:…; names as name:…; message text, captions, reply titles and
          descriptions, button texts and payloads (a template button's
          reply.id, its payload, with it), reactions, flow answers, location
          names and addresses, contact addresses and e-mails as
          text:…(N chars); coordinates rounded to 2 decimals; media file
          names as file:….ext; URLs' query strings, fragments and user info
          as ?query:…; Meta's verify token as [redacted]
  kept    message, status, media, template, conversation and Kaleyra ids,
          kinds, types, statuses, timestamps, errors, pricing, Kaleyra refs,
          trace and account ids, URL hosts and paths
Meta's wamid ids encode the recipient's number in base64; they are kept so
that statuses can be matched to messages. Tokens change with every run
unless a key is given (--redact-key or WA_CB_REDACT_KEY). A redacted
recording is marked "redacted": true and holds the masked bodies, not the
bytes received, without their X-Hub-Signature headers (they signed bytes
that are gone): replay delivers the masked bodies unsigned (--app-secret
signs them anew), so none is ever said to be validly signed. The events'
signature field still says what was checked on arrival.

Web inspector (--ui): the same exchanges in a browser, live, on their own
loopback address (--ui-addr, default 127.0.0.1:4281; its URL goes to
stderr, and to --ui-ready-file): a list newest first, each exchange's
events, raw request, answer and forward result, every message's status
timeline, search by text or jq, replay to the listener, to the
--forward-to app or to a URL you type (byte for byte, marked
X-Wa-Cb-Replay: <request id>), edit-and-replay (signed anew with
--app-secret, which never reaches the page), copy as curl, and download
as HAR 1.2 or as a recording. It keeps the last --ui-keep exchanges
(1000); a browser that falls behind is told how many it missed and never
slows the listener. With --redact it shows only redacted data. It answers
only requests whose Host names it and refuses cross-origin writes.`
