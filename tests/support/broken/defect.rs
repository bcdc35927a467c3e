//! The defects the proxy can give our server: each one a bug that real implementations of the
//! protocol have (or plausibly would have), named after what goes wrong.
//!
//! A defect works in one of four places: on the raw bytes from the client (the server does
//! not parse the stream as Part 2 says), on whole messages from the client (the server
//! misjudges a command), on whole messages from the server (it answers wrongly), or in the
//! server's own settings (a promise it does not keep). See [`Defect::place`]. Those of Part 5
//! work on whole messages both ways (see [`super::memory`]), and so do those of Part 8 (see
//! [`super::rooms`]).

use std::time::Duration;

/// How late [`Defect::SlowClose`] passes a client's close on to the server.
pub const SLOW_CLOSE: Duration = Duration::from_millis(300);

/// Where a defect acts, which decides how the proxy handles a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Bytes are pumped through untouched.
    Nowhere,
    /// The client's bytes are rewritten as they pass, without framing.
    RawBytes,
    /// Each read from the client is taken to be one message.
    Reads,
    /// Whole messages are framed both ways and given to the defect.
    Messages,
    /// The server itself is started with a setting that breaks a promise.
    Settings,
}

/// One way to be a broken server. The doc of each says what the proxy does and which real bug
/// that imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Defect {
    /// Nothing: the proxy is a transparent pipe.
    None,
    /// Not a defect: a correct server that is slow to see a close. A client's close reaches
    /// the server only [`SLOW_CLOSE`] later, and until then a `REGISTER` of the name that
    /// socket held is `ERROR 104` (the server has seen the close but not yet let the name go,
    /// which Part 2 allows: a name is free again once both sockets are gone, not at once).
    /// Every check must pass through it: a check that reuses a name right after closing a
    /// socket that held it fails a correct server.
    SlowClose,

    // ---- the byte stream (client to server, raw) ----
    /// Every `\r` from the client becomes `~`: a server that splits lines on `\n` only and
    /// keeps the `\r` as data, so `\r\n\r\n` never ends a header block.
    CrIsData,
    /// A line of only spaces and tabs has them turned into `~`: a server that ends a header
    /// block only on a truly empty line, so `\n \n` does not.
    BlankLineNotEnd,
    /// Spaces and tabs at the start and end of lines become `~`: a server that never trims.
    NoTrim,
    /// Each read is one message: the first whole message in it is taken, the rest and any
    /// partial message are dropped (the classic `recv(); parse()` server).
    OneReadOneMessage,
    /// Whatever came in the same read after a `REGISTER` is lost: a server that reads the
    /// registration through a buffered reader and then drops the reader.
    LosesBytesAfterRegister,
    /// A run of whitespace between messages is taken for an empty command (and answered as
    /// an unknown one): a server that does not skip the uncounted `\n` after a body.
    StrayNewlineIsCommand,
    /// A length header spelled other than `Content-length` is not seen: a server that
    /// compares header names with `strcmp`.
    HeaderNameCaseSensitive,
    /// `Content-length` is read with `atoi()`: missing or unparsable means 0, no `ERROR 103`.
    LengthAtoi,

    // ---- registration ----
    /// `REGISTER TOSEND` for a name with no TORECV yet is `ERROR 101`: a server that needs
    /// the receiving socket first.
    NeedsTorecvFirst,
    /// `REGISTER TORECV` for a name whose TOSEND is not registered is `ERROR 101`, and
    /// registering a TOSEND takes 200 ms (a slow user database): a server that needs the
    /// sending socket first, which also fails a client that sends both `REGISTER`s at once.
    NeedsTosendFirst,
    /// A `REGISTER` without a name is answered `REGISTERED <role> `: a server that slices the
    /// name off the line and never checks it is there.
    EmptyNameAccepted,
    /// `REGISTER <role> <name> <more>` registers `<name>`: a server that takes the third word
    /// and ignores the rest of the line.
    FirstWordIsName,
    /// Characters other than ASCII letters and digits are stripped from a name, which then
    /// registers: a server that sanitises names instead of refusing them.
    LenientNames,
    /// Names are cut to 32 characters, so a longer one registers: a C server that
    /// `strncpy`s the name into a 33-byte buffer.
    TruncatesNames,
    /// Only `ALL` in capitals is reserved; `all` and `aLl` register.
    AllReservedUppercaseOnly,
    /// Names are compared without regard to case (`bob` is taken once `Bob` is online),
    /// though each client is answered with its own spelling.
    FoldNameCase,
    /// An unknown verb on an unregistered socket is `ERROR 106`, not `ERROR 101`: a server
    /// that looks the verb up before it looks at the registration.
    VerbCheckedFirst,
    /// `ERROR 101` on a registered TOSEND becomes `ERROR 102`: a server that checks only that
    /// the sending socket is registered, then fails the delivery to the missing twin.
    TwinNotChecked,
    /// `REGISTERED TORECV` is written at once and the user enters the table 300 ms later: a
    /// server that answers before it inserts (PROTOCOL.md Part 2 says: insert first).
    EarlyRegistered,

    // ---- sending ----
    /// `SENT` is written as soon as the `SEND` is read (the real reply swallowed): a server
    /// that never waits for the acknowledgement.
    EarlySent,
    /// A forwarded body is cut at its first NUL byte: a server that keeps bodies as C strings.
    BodyAsCString,
    /// A forward with an empty body has no `Content-length` header: `if (len) add_header()`.
    ZeroLengthOmitted,
    /// A forward's `Content-length` counts characters: `len(body.decode())` in Python.
    LengthInChars,
    /// A send to one's own name is `ERROR 102`: a server that skips the sender as it would in
    /// a broadcast.
    NoSelfSend,
    /// `ERROR 102` becomes `SENT <recipient>`: a store-and-forward server that reports
    /// success for a recipient it cannot reach now.
    QueuesForOffline,
    /// Every `SENT` is written twice: a server that answers once per socket it wrote to.
    DuplicateSent,
    /// Each `SENT` goes to whoever sent last, on any connection: a server that keeps the
    /// sender in one global variable.
    SentToLatestSender,
    /// `SEND`s are handled one at a time server-wide: a single lock held while waiting for
    /// the acknowledgement, so one silent recipient stalls everyone.
    SerialSends,

    // ---- broadcast ----
    /// A broadcast is also forwarded to the sender's own TORECV: a loop over every user that
    /// forgets to skip the sender.
    EchoBroadcastToSender,
    /// A broadcast with nobody else online is `ERROR 102`: "delivered to nobody" as failure.
    NobodyElseIs102,
    /// A broadcast while a half-registered user is online is `ERROR 102`: a server that
    /// counts users with one socket as recipients and waits for their acknowledgement.
    HalfUsersInBroadcast,
    /// `SEND all` is a send to a user called `all` (nobody, so `ERROR 102`): `strcmp(to, "ALL")`.
    AllCaseSensitive,

    // ---- acknowledgements ----
    /// An `ERROR` from a recipient is taken as its acknowledgement: a server that counts
    /// replies rather than reading them.
    RecipientErrorIsAck,
    /// An `ERROR` from a recipient counts as a failure only with the text `Header
    /// Incomplete`; anything else is taken as an acknowledgement: errors keyed on the text.
    ErrorKeyedOnText,
    /// A `RECEIVED` that does not name the sender of the oldest outstanding forward is
    /// ignored: a server that matches acknowledgements by name, not in order.
    AckMustNameOldest,
    /// `RECIEVED` is an unknown command: only the correct spelling is accepted.
    NoRecievedSpelling,
    /// `RECEIVED` on a TOSEND socket is an unknown command: acks only on TORECV.
    IgnoreAckOnTosend,

    // ---- commands, names, connections ----
    /// The socket is closed after `ERROR 100`, `101`, `102`, `104` or `106`: a server that
    /// ends a connection on any error.
    CloseAfterError,
    /// `ERROR 104` becomes `REGISTERED <role> <name>`: a server where the newcomer takes a
    /// name over from its holder.
    NameTakeover,
    /// A name once used and left is `ERROR 104` for ever: a server that never frees a name.
    /// (The proxy answers a `REGISTER` of such a name itself, and turns the server's
    /// `REGISTERED` for one into `ERROR 104`.)
    NameNeverFreed,
    /// The server's every message is written in two parts, 100 ms apart: a server that writes
    /// the header and the body (or each line) with separate calls.
    SplitWrites,
    /// When the server closes a socket, the client's stays open: a server that forgets to
    /// `close()` after an error or a timeout.
    KeepsClosedOpen,

    // ---- replies not byte-exact, and replies missing ----
    /// The success reply is `SEND <recipient>` (one table's spelling) where `SENT` is promised.
    SendSpelling,
    /// Forwards carry `Content-Length:`: a server that writes the header in its own spelling.
    ContentLengthCase,
    /// Every header block of the server's ends its lines with `\r\n`.
    CrlfReplies,
    /// Error texts are written in lower case (`ERROR 102 unable to send`): a server with its
    /// own wording.
    ErrorTextChanged,
    /// A send that cannot be delivered is never answered: `ERROR 102` is not written.
    NeverAnswersUndeliverable,
    /// Unknown commands are ignored: `ERROR 106` is not written.
    UnknownCommandIgnored,
    /// A `SEND` whose sender has no TORECV yet is `ERROR 101` at once, without reading its
    /// body, which is then read as the next command.
    BodyAsCommandAfter101,
    /// Names longer than 16 characters are `ERROR 100`: a server with too short a buffer.
    NameLimit16,

    // ---- the server's settings ----
    /// The server waits an hour for an acknowledgement: no acknowledgement timeout.
    NoAckTimeout,
    /// The server takes header blocks of up to 1 MiB: no header limit.
    NoHeaderLimit,
    /// The server's body limit is one byte short of what it promises: `>=` for `>`.
    BodyLimitOffByOne,
    /// The server takes bodies of up to 1 MiB: no body limit.
    NoBodyLimit,
    /// The server never closes a connection that does not register.
    NoIdleTimeout,
    /// The server waits for the rest of a message for ever.
    NoMessageTimeout,

    // ---- Part 5: accounts, offline messages, history ----
    /// `PASSWORD` with a password is answered `PASSWORD SET` and the name stays unclaimed: a
    /// server that answers before it writes the account, and loses the write.
    ClaimNotKept,
    /// `ERROR 109` becomes `ERROR 104`: a server that answers every refused login of a claimed
    /// name as a name in use, even to a client that sent a password or asked for `auth`.
    BadPasswordIs104,
    /// An empty `PASSWORD` is answered `PASSWORD DROPPED` and the claim stays: a server that
    /// takes an empty password for "no change".
    DropNotKept,
    /// `STORED <name>` comes without its `Id:` line: a server that adds ids to forwards only.
    StoredWithoutId,
    /// Every user has `offline`, asked for or not (only `REGISTERED` hides it): a server that
    /// keeps a message for a claimed, offline name whoever sends it.
    OfflineForAll,
    /// A `SEND` with `offline` to a name nobody has is answered `STORED`, with an id: a server
    /// that keeps messages for any name, claimed or not.
    StoresUnclaimed,
    /// What waited for a user reaches it only behind the first live forward after it: a
    /// server that queues what waited behind what is live.
    StoredAfterLive,
    /// Each message that waited is handed over twice in one login: a server that hands over
    /// what waited at each of the two `REGISTER`s.
    StoredTwice,
    /// `EVENT DELIVERED` is never written: a server that takes a message out of the mailbox
    /// and tells no one.
    NoDeliveredEvent,
    /// A kept message handed over again at a later login (not acknowledged the first time)
    /// carries a new id: a server that files it again as a new message.
    RedeliveredNewId,
    /// The server keeps a hundred times as many messages per mailbox as it promises.
    NoMailboxLimit,
    /// A history page holds the direct messages between two others that fall within it: a
    /// query that forgets to filter direct messages by the reader.
    HistoryLeaksDms,
    /// A history page is newest first: `ORDER BY id DESC` without turning the page round.
    HistoryNewestFirst,
    /// `Limit:` is ignored: every page is as long as the default (50).
    HistoryIgnoresLimit,
    /// An entry's `Content-length` counts characters, not bytes.
    EntryLengthInChars,

    // ---- Part 8: rooms ----
    /// Not a defect: a server without the `rooms` extension. The proxy drops `rooms` from
    /// every `Extensions:` a client asks for, so the server never grants it: every Part 8
    /// check must be skipped.
    WithoutRooms,
    /// `REGISTERED` names the extensions just as the `REGISTER` asked for them, unknown ones
    /// and the client's order included: a server that echoes the header.
    GrantEchoesAsked,
    /// A `JOIN` of a room the user is already in is not answered: IRC servers ignore it.
    RejoinUnanswered,
    /// Room names reach the server in lower case (`#Rust` is `#rust`): IRC's rule, not ours.
    FoldRoomCase,
    /// A room's `EVENT JOIN` comes without `Room:`: a server that reuses the chat's join.
    JoinEventWithoutRoom,
    /// A room's `EVENT LEAVE` with `Reason: part` is never written: a server that tells a
    /// room of kicks only.
    PartEventDropped,
    /// The kicked user gets no `EVENT KICK`: a server that takes it out of the room before
    /// telling the members.
    KickedNotTold,
    /// A user that left the chat is still listed by `WHO` in the rooms it was in: a server
    /// that forgets a leaver's rooms (the proxy puts it back into every `WHO`).
    RoomsKeepLeavers,
    /// Every user has `rooms`, asked for or not (only `REGISTERED` hides it).
    RoomsForAll,
    /// A room message's forward comes without `Room:`: a server that forwards it as a direct
    /// message.
    RoomForwardWithoutRoom,
    /// A room message also reaches every user with `rooms` who is not in the room (once per
    /// member it reaches): a server that checks the extension and forgets the membership.
    RoomToNonMembers,
    /// A non-member's `SEND` to a room is answered `SENT` (the server's `ERROR 113`
    /// swallowed): a server that lets anyone post.
    NotMemberSends,
    /// `SEND #lobby` is `ERROR 112`: a server with no room called `#lobby`.
    LobbyIsNoRoom,
    /// `ROOMS` lists the rooms in reverse, the lobby last: `ORDER BY name DESC`.
    RoomListReversed,
    /// `WHO` lists the members newest first: a list kept in reverse join order.
    WhoUnsorted,
    /// `EVENT TOPIC` goes to the operator who set the topic too: a loop over the members
    /// that forgets to skip the setter.
    TopicEventToSetter,
    /// `ERROR 114` becomes `ERROR 113`: one refusal for "not in it" and "not its operator".
    NotOperatorIsNotInRoom,
    /// A topic over 300 bytes is cut to 300 and set: a server that truncates, not refuses.
    TruncatesTopics,
    /// `ERROR 112` becomes `ERROR 113`: a server that checks membership before existence.
    NoSuchRoomIsNotInRoom,
    /// A malformed room name is mended and joined (`rust` is `#rust`, `#a.b` is `#ab`): a
    /// server that sanitises room names.
    LenientRoomNames,
    /// `PART #lobby` is answered `PARTED #lobby` (and nothing happens): a server that takes
    /// the lobby for any room.
    LobbyParts,
}

impl Defect {
    /// Where this defect acts.
    pub fn place(self) -> Place {
        use Defect::*;
        match self {
            None | KeepsClosedOpen => Place::Nowhere,
            CrIsData | BlankLineNotEnd | NoTrim => Place::RawBytes,
            OneReadOneMessage => Place::Reads,
            NoAckTimeout | NoHeaderLimit | BodyLimitOffByOne | NoBodyLimit | NoIdleTimeout
            | NoMessageTimeout | NoMailboxLimit => Place::Settings,
            _ => Place::Messages,
        }
    }
}
