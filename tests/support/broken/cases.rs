//! Which defect fails which check, and how one case is run: our real server with short
//! timeouts (and the defect's own settings), the proxy with the defect in front of it, and
//! the one check against the proxy.

use super::defect::Defect::{self, *};
use super::proxy::Proxy;
use crate::support::store::{bind_with_store, store_config, HASH_PATIENCE};
use chat::conformance::report::Entry;
use chat::conformance::server::{self, Target};
use chat::conformance::{Part, Selection};
use chat::front::{Config, Server, ServerHandle};
use chat::wire::DEFAULT_MAX_BODY;
use std::net::SocketAddr;
use std::time::Duration;

/// The server's timeouts, short so that failing checks end quickly.
pub const ACK: Duration = Duration::from_millis(300);
pub const IDLE: Duration = Duration::from_millis(500);
pub const MESSAGE: Duration = Duration::from_millis(500);
/// How long the kit waits for a reply in the broken cases.
pub const REPLY: Duration = Duration::from_secs(1);
/// A setting far beyond anything a check waits for: "never".
const NEVER: Duration = Duration::from_secs(3600);
/// The mailbox size the server promises (Part 5), small so that filling one is quick.
pub const MAILBOX: usize = 3;

/// Every server check and the defect that must make it fail: the defect that breaks the
/// very rule the check tests.
pub const TABLE: &[(&str, Defect)] = &[
    // Registration.
    ("register.tosend-first", NeedsTorecvFirst),
    ("register.torecv-first", NeedsTosendFirst),
    ("register.name-missing", EmptyNameAccepted),
    ("register.name-extra-words", FirstWordIsName),
    ("register.name-charset", LenientNames),
    ("register.name-length", TruncatesNames),
    ("register.name-all-reserved", AllReservedUppercaseOnly),
    ("register.case-sensitive", FoldNameCase),
    ("register.error-101-before", VerbCheckedFirst),
    ("register.error-101-no-twin", TwinNotChecked),
    // Sending.
    ("send.unicast", EarlySent),
    ("send.body-opaque", BodyAsCString),
    ("send.empty-body", ZeroLengthOmitted),
    ("send.length-in-bytes", LengthInChars),
    ("send.to-self", NoSelfSend),
    ("send.unknown-recipient", QueuesForOffline),
    ("send.recipient-gone", QueuesForOffline),
    ("send.recipient-half-registered", QueuesForOffline),
    ("send.recipient-error", RecipientErrorIsAck),
    ("send.silent-recipient", NoAckTimeout),
    ("send.no-content-length", LengthAtoi),
    ("send.bad-content-length", LengthAtoi),
    ("send.one-reply-each", DuplicateSent),
    ("send.concurrent-senders", SentToLatestSender),
    // Broadcast.
    ("broadcast.reaches-all", EchoBroadcastToSender),
    ("broadcast.nobody-else", NobodyElseIs102),
    ("broadcast.skips-incomplete", HalfUsersInBroadcast),
    ("broadcast.one-fails", RecipientErrorIsAck),
    ("broadcast.any-case", AllCaseSensitive),
    // The byte stream and the liberal syntax.
    ("stream.byte-at-a-time", OneReadOneMessage),
    ("stream.coalesced", OneReadOneMessage),
    ("stream.both-registers-first", NeedsTosendFirst),
    ("stream.register-and-send", LosesBytesAfterRegister),
    ("syntax.crlf", CrIsData),
    ("syntax.blank-line", BlankLineNotEnd),
    ("syntax.trim", NoTrim),
    ("syntax.stray-newlines", StrayNewlineIsCommand),
    ("syntax.header-case", HeaderNameCaseSensitive),
    ("reply.one-write", SplitWrites),
    ("register.visible-at-once", EarlyRegistered),
    // Acknowledgements and commands.
    ("ack.fifo", AckMustNameOldest),
    ("ack.recieved-spelling", NoRecievedSpelling),
    ("ack.on-tosend", IgnoreAckOnTosend),
    ("ack.any-error", ErrorKeyedOnText),
    ("command.unknown", CloseAfterError),
    // Limits and names.
    ("limits.header", NoHeaderLimit),
    ("limits.body-at-limit", BodyLimitOffByOne),
    ("limits.body-over", NoBodyLimit),
    ("limits.idle-unregistered", NoIdleTimeout),
    ("limits.half-message", NoMessageTimeout),
    ("isolation.silent-user", SerialSends),
    ("names.taken", NameTakeover),
    ("names.free-after-leaving", NameNeverFreed),
    // Part 5: accounts.
    ("auth.claim", ClaimNotKept),
    ("auth.wrong-password", BadPasswordIs104),
    ("auth.drop", DropNotKept),
    // Part 5: offline messages.
    ("offline.stored", StoredWithoutId),
    ("offline.not-asked", OfflineForAll),
    ("offline.unclaimed", StoresUnclaimed),
    ("offline.first-on-login", StoredAfterLive),
    ("offline.delivered", NoDeliveredEvent),
    ("offline.redelivered", RedeliveredNewId),
    ("offline.mailbox-full", NoMailboxLimit),
    // Part 5: history.
    ("history.visible", HistoryLeaksDms),
    ("history.oldest-first", HistoryNewestFirst),
    ("history.entry-framing", EntryLengthInChars),
    ("history.paging", HistoryIgnoresLimit),
    // Part 8: rooms.
    ("rooms.grant", GrantEchoesAsked),
    ("rooms.join", RejoinUnanswered),
    ("rooms.case-sensitive", FoldRoomCase),
    ("rooms.join-event", JoinEventWithoutRoom),
    ("rooms.part", PartEventDropped),
    ("rooms.kick", KickedNotTold),
    ("rooms.leave-chat", RoomsKeepLeavers),
    ("rooms.not-asked", RoomsForAll),
    ("rooms.send", RoomForwardWithoutRoom),
    ("rooms.send-waits", EarlySent),
    ("rooms.send-member-fails", RecipientErrorIsAck),
    ("rooms.members-only", RoomToNonMembers),
    ("rooms.not-member", NotMemberSends),
    ("rooms.lobby", LobbyIsNoRoom),
    ("rooms.list", RoomListReversed),
    ("rooms.who", WhoUnsorted),
    ("rooms.topic", TopicEventToSetter),
    ("rooms.topic-not-operator", NotOperatorIsNotInRoom),
    ("rooms.topic-too-long", TruncatesTopics),
    ("rooms.no-such-room", NoSuchRoomIsNotInRoom),
    ("rooms.bad-name", LenientRoomNames),
    ("rooms.lobby-part", LobbyParts),
];

/// More pairs, for defects that break a rule as a side effect of another: each must fail
/// too, which shows the checks catch a bug wherever it shows.
pub const ALSO: &[(&str, Defect)] = &[
    ("limits.idle-unregistered", KeepsClosedOpen),
    ("limits.half-message", KeepsClosedOpen),
    ("send.no-content-length", KeepsClosedOpen),
    ("limits.body-over", KeepsClosedOpen),
    ("register.name-missing", CloseAfterError),
    ("register.error-101-before", CloseAfterError),
    ("send.unknown-recipient", CloseAfterError),
    ("send.silent-recipient", QueuesForOffline),
    ("send.recipient-error", QueuesForOffline),
    ("ack.any-error", RecipientErrorIsAck),
    ("broadcast.reaches-all", EarlySent),
    ("stream.register-and-send", OneReadOneMessage),
    ("send.unicast", SendSpelling),
    ("send.unicast", ContentLengthCase),
    ("register.tosend-first", CrlfReplies),
    ("syntax.crlf", CrlfReplies),
    ("send.unknown-recipient", ErrorTextChanged),
    ("send.unknown-recipient", NeverAnswersUndeliverable),
    ("command.unknown", UnknownCommandIgnored),
    ("register.error-101-no-twin", BodyAsCommandAfter101),
    ("register.name-length", NameLimit16),
    ("offline.first-on-login", StoredTwice),
    ("history.paging", HistoryNewestFirst),
    ("rooms.part", NotMemberSends),
    ("rooms.kick", NotMemberSends),
];

/// Our server's settings under `defect`, with the idle timeout `idle`.
pub fn server_config(defect: Defect, idle: Duration) -> Config {
    let mut config = Config {
        bind: ([127, 0, 0, 1], 0).into(),
        ack_timeout: ACK,
        idle_timeout: idle,
        message_timeout: MESSAGE,
        hubs: 1,
        ..Config::default()
    };
    match defect {
        NoAckTimeout => config.ack_timeout = NEVER,
        NoHeaderLimit => config.limits.max_header = 1 << 20,
        BodyLimitOffByOne => config.limits.max_body = DEFAULT_MAX_BODY - 1,
        NoBodyLimit => config.limits.max_body = 1 << 20,
        NoIdleTimeout => config.idle_timeout = NEVER,
        NoMessageTimeout => config.message_timeout = NEVER,
        _ => {}
    }
    config
}

/// The mailbox size the server really has under `defect`.
fn mailbox(defect: Defect) -> usize {
    match defect {
        NoMailboxLimit => MAILBOX * 100,
        _ => MAILBOX,
    }
}

/// What the kit is told about the server at `addr`: what our server promises, not what the
/// defect made of it.
pub fn target(addr: SocketAddr, reply: Duration, idle: Duration) -> Target {
    Target {
        reply_timeout: reply,
        ack_timeout: ACK,
        idle_timeout: idle,
        message_timeout: MESSAGE,
        mailbox_size: MAILBOX,
        ..Target::new(addr)
    }
}

/// The idle timeout and the reply timeout for a run of the checks `selection` picks: a
/// password takes its time to check (Part 5), and a socket registering with one must not be
/// closed as idle meanwhile, nor its reply given up on.
fn timeouts(selection: &Selection, reply: Duration) -> (Duration, Duration) {
    let memory = server::checks()
        .iter()
        .any(|c| c.info.part == Part::Memory && selection.includes(&c.info));
    match memory {
        true => (HASH_PATIENCE, reply.max(HASH_PATIENCE)),
        false => (IDLE, reply),
    }
}

/// Runs the check `id` against our server behind a proxy with `defect`.
pub fn run(id: &str, defect: Defect) -> Entry {
    let report = run_selected(
        defect,
        &Selection {
            only: vec![id.to_string()],
            ..Selection::default()
        },
        REPLY,
        1,
    );
    let mut entries = report.entries;
    assert_eq!(entries.len(), 1, "no check {id}");
    entries.remove(0)
}

/// Runs the selected checks against our server behind a proxy with `defect`.
pub fn run_selected(
    defect: Defect,
    selection: &Selection,
    reply: Duration,
    jobs: usize,
) -> chat::conformance::report::Report {
    let (idle, reply) = timeouts(selection, reply);
    let broken = Broken::start_with(defect, idle);
    server::run(&target(broken.addr(), reply, idle), selection, jobs, |_| {})
}

/// Our server behind a proxy with one defect; both stop when this is dropped (the proxy
/// first).
pub struct Broken {
    proxy: Proxy,
    _server: ServerHandle,
}

impl Broken {
    /// Our server (with an in-memory store, for Part 5) behind a proxy with `defect`, with
    /// the short timeouts of [`cases`](self).
    pub fn start(defect: Defect) -> Broken {
        Broken::start_with(defect, IDLE)
    }

    /// The same, with the idle timeout `idle`.
    pub fn start_with(defect: Defect, idle: Duration) -> Broken {
        let store = store_config(mailbox(defect));
        let server = bind_with_store(server_config(defect, idle), &store)
            .and_then(Server::spawn)
            .expect("start the server");
        let proxy = Proxy::start(server.local_addr(), defect).expect("start the proxy");
        Broken {
            proxy,
            _server: server,
        }
    }

    /// Where clients connect: the proxy.
    pub fn addr(&self) -> SocketAddr {
        self.proxy.local_addr()
    }
}
