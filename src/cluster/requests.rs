//! What other nodes ask of this one: a message for its users, a kick, its roster. A message
//! is handed to its recipients here (see [`super::inbound`]), a kick goes to the inbound
//! worker; a roster is answered here (it only reads the table).

use super::{Bridge, Work};
use crate::cluster::inbound;
use crate::cluster::wire::{self, Answer, KickAsk, Roster};
use async_nats::{Message, Subject};

impl Bridge {
    /// A request to this node.
    pub(super) async fn request(&mut self, msg: Message) {
        let Some(reply) = msg.reply.clone() else {
            return;
        };
        let work = match msg.subject.rsplit('.').next() {
            Some("send") => match wire::decode_forward(&msg.payload) {
                Ok(message) => {
                    let (chat, node) = (&self.chat, &self.node);
                    return inbound::deliver(chat, node, &self.settler, message, reply);
                }
                Err(e) => {
                    log::warn!("cluster: a message from another node refused: {e}");
                    return self.answer(reply, Answer::NotDelivered).await;
                }
            },
            Some("kick") => match wire::decode::<KickAsk>(&msg.payload) {
                Ok(ask) => Work::Kick {
                    ask,
                    reply: reply.clone(),
                },
                Err(_) => return self.answer(reply, Answer::NoSuchUser).await,
            },
            Some("roster") => {
                let roster = self.own_roster();
                return self.publish(reply, wire::encode(&roster)).await;
            }
            _ => return,
        };
        if self.work.try_send(work).is_err() {
            log::warn!("cluster: the inbound queue is full; a request from another node refused");
            self.answer(reply, Answer::NotDelivered).await;
        }
    }

    pub(super) async fn answer(&self, reply: Subject, answer: Answer) {
        self.publish(reply, wire::encode(&answer)).await;
    }

    /// Who is on this node, as of the last event published.
    fn own_roster(&self) -> Roster {
        let users = self.chat.users().into_iter();
        Roster {
            inc: self.node.inc,
            seq: self.seq,
            users: users
                .map(|u| (u.name().to_string(), self.chat.rooms_of(&u)))
                .collect(),
        }
    }
}
