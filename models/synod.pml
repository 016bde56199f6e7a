/* The Synod (single-decree Paxos) as paxsim's paxos/ implements it, in
   Promela, for a side-by-side check with `paxsim explore` (scripts/explore-compare).

   Configuration (same as models/synod-3n-2p.json with --max-drops 2
   --max-dups 1 --max-timers 0): three nodes, each an acceptor, a proposer and
   a learner; n1 proposes "A" (1), n2 proposes "B" (2); a quorum is 2; learning
   in "decide" mode (acceptors answer the proposer, which broadcasts a decide).
   Up to MAXDROPS messages lost and MAXDUPS duplicated (never a message a node
   sends itself); no timers fire (so no retries or catch-up), and no node
   crashes: with writes durable at once, the disks need no modelling.

   One process does everything, as paxsim's explorer does: the network is a
   bag (a sorted array of encoded messages, so one multiset is one state),
   and each transition (issue a proposal; deliver, lose or duplicate the
   message at position i) is a single d_step. Each handler follows the
   paxos/ role it is named after (acceptor.cpp, proposer.cpp, learner.cpp,
   synod_node.cpp).

   Safety, checked in every state by assertions on ghost variables:
     agreement  no two values are chosen (a value is chosen when a majority
                accepted it in one ballot, ever); every value learned is chosen
     validity   only proposed values are chosen
     stability  once v is chosen at ballot b, every acceptance above b is of v

   Check:  spin -a synod.pml && gcc -O2 -DSAFETY -DNOREDUCE -DNOFAIR -o pan pan.c && ./pan -m1000000
   (scripts/explore-compare does this, with -DCOLLAPSE and a larger hash table). */

#define N 3
#define QUORUM 2
#ifndef MAXDROPS
#define MAXDROPS 2
#endif
#ifndef MAXDUPS
#define MAXDUPS 1
#endif
#ifndef PROPOSERS
#define PROPOSERS 2   /* 1: only n1 proposes */
#endif
#define MAXBAG 16

/* message kinds */
#define PREPARE 1
#define PROMISE 2
#define NACK 3
#define ACCEPT 4
#define ACCEPTED 5
#define DECIDE 6

/* A ballot is one byte: round * 4 + node; 0 is the null ballot, and byte order is
   ballot order (round first, then node). A message is one int:
   kind | from << 3 | to << 5 | ballot << 7 | accepted ballot << 13 | value << 19 */
#define BAL(r, n) ((r) * 4 + (n))
#define ROUND(b) ((b) / 4)
#define MSG(k, f, t, b, ab, v) ((k) | ((f) << 3) | ((t) << 5) | ((b) << 7) | ((ab) << 13) | ((v) << 19))
#define M_KIND(m) ((m) & 7)
#define M_FROM(m) (((m) >> 3) & 3)
#define M_TO(m) (((m) >> 5) & 3)
#define M_BAL(m) (((m) >> 7) & 63)
#define M_ABAL(m) (((m) >> 13) & 63)
#define M_VAL(m) (((m) >> 19) & 3)

/* phases of the proposer role */
#define IDLE 0
#define PREPARING 1
#define ACCEPTING 2
#define BACKING_OFF 3
#define DONE 4

int bag[MAXBAG];
byte nbag;
byte drops, dups;
bit issued[2];

/* acceptor */
byte promised[N];
byte acc_bal[N];
byte acc_val[N];
/* learner */
byte decided[N];
/* proposer (every node has the role; only n1 and n2 are asked to propose) */
byte phase[N];
byte own[N];
byte floor[N];      /* rounds used so far (paxsim keeps it durable) */
byte seen[N];       /* highest round seen in a nack */
byte ballot[N];
byte promisers[N];  /* bitmask */
byte best_bal[N];
byte best_val[N];
byte proposal[N];
byte acks[N];       /* bitmask */

/* ghosts for the invariants: acceptors that ever accepted (ballot, value) */
byte votes[64 * 3];
byte chosen_val;
byte chosen_bal;

int m, t;
byte i, j, k, c, b;

inline bag_add(x) {
  assert(nbag < MAXBAG);
  k = nbag;
  do
  :: k > 0 && bag[k - 1] > x -> bag[k] = bag[k - 1]; k--
  :: else -> break
  od;
  bag[k] = x;
  nbag++
}

inline bag_remove(at) {
  k = at;
  do
  :: k + 1 < nbag -> bag[k] = bag[k + 1]; k++
  :: else -> break
  od;
  nbag--;
  bag[nbag] = 0
}

inline popcount(x, out) {
  out = ((x) & 1) + (((x) >> 1) & 1) + (((x) >> 2) & 1)
}

/* every value learned is the chosen one */
inline check_learned(n) {
  assert(decided[n] == 0 || decided[n] == chosen_val)
}

/* an acceptance became durable: tally it, and check agreement, validity, stability */
inline durable_accept(a, bb, v) {
  votes[bb * 3 + v] = votes[bb * 3 + v] | (1 << a);
  assert(chosen_val == 0 || bb <= chosen_bal || v == chosen_val);   /* stability */
  popcount(votes[bb * 3 + v], c);
  if
  :: c >= QUORUM ->
     assert(chosen_val == 0 || chosen_val == v);                     /* agreement */
     assert(v == 1 && issued[0] || v == 2 && issued[1]);              /* validity */
     if
     :: chosen_val == 0 || bb < chosen_bal ->
        chosen_val = v; chosen_bal = bb;
        /* stability against acceptances made before the choice */
        j = bb + 1;
        do
        :: j < 64 -> assert(votes[j * 3 + (3 - v)] == 0); j++
        :: else -> break
        od
     :: else -> skip
     fi
  :: else -> skip
  fi
}

inline new_round(p) {
  t = floor[p];
  if :: seen[p] > t -> t = seen[p] :: else -> skip fi;
  if :: ROUND(promised[p]) > t -> t = ROUND(promised[p]) :: else -> skip fi;
  t = t + 1;
  assert(t < 16);
  floor[p] = t;
  ballot[p] = BAL(t, p);
  phase[p] = PREPARING;
  promisers[p] = 0; best_bal[p] = 0; best_val[p] = 0; acks[p] = 0;
  j = 0;
  do
  :: j < N -> bag_add(MSG(PREPARE, p, j, ballot[p], 0, 0)); j++
  :: else -> break
  od
}

inline propose(p, v) {
  issued[p] = 1;
  if
  :: decided[p] != 0 -> skip    /* answered at once */
  :: else ->
     if
     :: phase[p] != DONE ->
        if :: own[p] == 0 -> own[p] = v :: else -> skip fi;
        if :: phase[p] == IDLE -> new_round(p) :: else -> skip fi
     :: else -> skip
     fi
  fi
}

inline learn(n, v) {
  if
  :: decided[n] == 0 -> decided[n] = v; phase[n] = DONE; check_learned(n)
  :: else -> skip
  fi
}

inline on_prepare(a, p, bb) {
  if
  :: bb < promised[a] -> bag_add(MSG(NACK, a, p, promised[a], 0, 0))
  :: else ->
     if :: bb > promised[a] -> promised[a] = bb :: else -> skip fi;
     bag_add(MSG(PROMISE, a, p, bb, acc_bal[a], acc_val[a]))
  fi
}

inline on_accept(a, p, bb, v) {
  if
  :: bb < promised[a] -> bag_add(MSG(NACK, a, p, promised[a], 0, 0))
  :: else ->
     if
     :: !(acc_bal[a] == bb && acc_val[a] == v) ->
        promised[a] = bb; acc_bal[a] = bb; acc_val[a] = v;
        durable_accept(a, bb, v)
     :: else -> skip
     fi;
     bag_add(MSG(ACCEPTED, a, p, bb, 0, v))
  fi
}

inline on_promise(p, a, bb, ab, av) {
  if
  :: phase[p] == PREPARING && bb == ballot[p] && (promisers[p] & (1 << a)) == 0 ->
     promisers[p] = promisers[p] | (1 << a);
     if :: ab != 0 && ab > best_bal[p] -> best_bal[p] = ab; best_val[p] = av :: else -> skip fi;
     popcount(promisers[p], c);
     if
     :: c >= QUORUM ->
        if :: best_val[p] != 0 -> proposal[p] = best_val[p] :: else -> proposal[p] = own[p] fi;
        phase[p] = ACCEPTING;
        j = 0;
        do
        :: j < N -> bag_add(MSG(ACCEPT, p, j, ballot[p], 0, proposal[p])); j++
        :: else -> break
        od
     :: else -> skip
     fi
  :: else -> skip
  fi
}

inline on_accepted(p, a, bb, v) {
  if
  :: phase[p] == ACCEPTING && bb == ballot[p] && v == proposal[p] && (acks[p] & (1 << a)) == 0 ->
     acks[p] = acks[p] | (1 << a);
     popcount(acks[p], c);
     if
     :: c >= QUORUM ->
        phase[p] = DONE;
        if
        :: decided[p] == 0 ->
           decided[p] = v; check_learned(p);
           j = 0;
           do
           :: j < N -> if :: j != p -> bag_add(MSG(DECIDE, p, j, bb, 0, v)) :: else -> skip fi; j++
           :: else -> break
           od
        :: else -> skip
        fi
     :: else -> skip
     fi
  :: else -> skip
  fi
}

inline on_nack(p, bb) {
  if :: ROUND(bb) > seen[p] -> seen[p] = ROUND(bb) :: else -> skip fi;
  if
  :: (phase[p] == PREPARING || phase[p] == ACCEPTING) && bb > ballot[p] -> phase[p] = BACKING_OFF
  :: else -> skip
  fi
}

inline deliver(at) {
  m = bag[at];
  bag_remove(at);
  i = M_TO(m);
  b = M_BAL(m);
  if
  :: M_KIND(m) == PREPARE -> on_prepare(i, M_FROM(m), b)
  :: M_KIND(m) == ACCEPT -> on_accept(i, M_FROM(m), b, M_VAL(m))
  :: M_KIND(m) == PROMISE -> on_promise(i, M_FROM(m), b, M_ABAL(m), M_VAL(m))
  :: M_KIND(m) == ACCEPTED -> on_accepted(i, M_FROM(m), b, M_VAL(m))
  :: M_KIND(m) == NACK -> on_nack(i, b)
  :: M_KIND(m) == DECIDE -> learn(i, M_VAL(m))
  fi;
  m = 0; i = 0; j = 0; k = 0; c = 0; b = 0; t = 0
}

inline drop(at) {
  bag_remove(at);
  drops++;
  k = 0
}

inline duplicate(at) {
  m = bag[at];
  bag_add(m);
  dups++;
  m = 0; k = 0
}

#define CHOOSE(at) \
  :: d_step { nbag > at -> deliver(at) } \
  :: d_step { nbag > at && drops < MAXDROPS && M_FROM(bag[at]) != M_TO(bag[at]) -> drop(at) } \
  :: d_step { nbag > at && dups < MAXDUPS && M_FROM(bag[at]) != M_TO(bag[at]) -> duplicate(at) }

active proctype world() {
end:
  do
  :: d_step { !issued[0] -> propose(0, 1); i = 0; j = 0; k = 0; t = 0 }
  :: d_step { PROPOSERS > 1 && !issued[1] -> propose(1, 2); i = 0; j = 0; k = 0; t = 0 }
  CHOOSE(0)
  CHOOSE(1)
  CHOOSE(2)
  CHOOSE(3)
  CHOOSE(4)
  CHOOSE(5)
  CHOOSE(6)
  CHOOSE(7)
  CHOOSE(8)
  CHOOSE(9)
  CHOOSE(10)
  CHOOSE(11)
  CHOOSE(12)
  CHOOSE(13)
  CHOOSE(14)
  CHOOSE(15)
  od
}
