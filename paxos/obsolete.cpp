// Why a no-op delivery of these kinds stays a no-op while the node lives. A
// handler is a no-op when it returns before changing anything; each reason
// below is a condition that, once false, never becomes true again, because
// the state it reads only moves one way between crashes:
//
//  - ballots a node proposes with only grow: a new round (synod
//    Proposer::new_round, Multi-Paxos Leader::start_election) takes a round
//    above every round the node used or saw, and a round is never reused;
//  - within one ballot the phases only move forward (synod: preparing ->
//    accepting -> done; Multi-Paxos: candidate -> leader or follower), and a
//    tally (promisers, acceptors of a slot, an all-to-all learner's voters)
//    only grows until its phase or slot is over;
//  - what a node learned stays learned (synod Learner::decided_, Multi-Paxos
//    Replica's log), and a proposer that learned is done for good;
//  - the highest round seen (synod Proposer::highest_seen_, Multi-Paxos
//    Leader::round_floor_) only grows.
//
// promise   acted on only by a proposer (candidate) preparing exactly that
//           ballot that has not yet counted the sender. Once it is not, it
//           never is again: the ballot is never prepared again, the phase
//           never goes back, and a counted sender stays counted.
// accepted  decide mode: acted on only by the proposer (leader) of that
//           ballot, in its accept phase for that value (synod) or with that
//           slot in flight (Multi-Paxos; a slot is proposed once per ballot),
//           from a sender not yet counted. All-to-all: acted on only by a
//           learner that has not learned the slot and has not counted the
//           sender for that (ballot, value). Same argument.
// nack      raises the highest round seen (a no-op once it is as high), and
//           preempts a proposer only if its ballot is below the nack's: once
//           the proposer's ballot is at or above it, or it is idle, backing
//           off or done, every later round is above every round it saw.
//           Multi-Paxos: steps a candidate or leader down only for a higher
//           ballot, and every later election starts above the floor. A
//           leader a majority follows stays in office instead and notes the
//           ballot: it raises the floor at once and the rival's ballot it
//           will ask above at its next timeout; a nack at or below both is a
//           no-op, and stays one: the floor only grows, and by that timeout
//           the leader either asks again above the noted ballot (its own
//           ballot is then above the nack's) or steps down (a step down for
//           a ballot at or below the floor changes nothing). A follower's
//           nack for a rival (not the rival's own) also raises the highest
//           such ballot noted; the leader joins the rival once it passed over
//           a prepare at least as high, tested at both the nack and the
//           prepare, so a nack at or below all three notes stays a no-op
//           until the notes are reset (a timeout, taking office), after which
//           the leader's ballot is above it or it does not lead.
// decide    acted on only if the slot is not learned yet; learned slots stay
//           learned.
//
// Other kinds are not listed: a prepare or an accept is always answered, a
// heartbeat refreshes what a follower heard, a learn_request is answered once
// the node learns, a client request may be answered later.
#include "paxos/obsolete.hpp"

namespace paxsim {

bool noop_delivery_is_permanent(bool multi_paxos, MsgKind kind) {
  (void)multi_paxos;  // the same four kinds, for the same reasons, in both protocols
  switch (kind) {
    case MsgKind::promise:
    case MsgKind::accepted:
    case MsgKind::nack:
    case MsgKind::decide: return true;
    default: return false;
  }
}

}  // namespace paxsim
