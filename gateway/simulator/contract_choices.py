"""Where ets-interface.md leaves room, the simulator (the ETS and the banks) decides here, once.

Constants are used by the code that applies them. Choices that shape behaviour rather than a
value are recorded in this docstring, each with the section it interprets:

* **Replies and queue class (§2.1, §11 2.1).** An answer goes on the queue class of its own
  MsgNo (``routing.CLASS_OF``): 9120 on ONLINE, 9121/9122 on BATCH. For a request that arrived
  on the right queue that is the request's class; one on the wrong queue is processed by its
  MsgNo, logged, and answered on the class its answer belongs to.
* **Duplicates (§2.3, §11 2.3).** SRC+MsgID is checked first, then the business key. Both
  re-send every stored answer of the first message (in the order first sent) with a new
  MsgID, the current WorkDate and MsgRef/CorrelId = the duplicate's MsgID. A stored answer is
  the clean message even if a fault corrupted or dropped the first copy; faults apply again to
  the re-sent copy. A 1102's stored answers are its 9121 and any 9122, never the 2102.
* **Invalid keyed messages (§3.1, §11 3.1).** When a readable key of an invalid 9114, 1001,
  1021, 1102 or 1123 is already held, the message is a duplicate by key (the first message
  wins, content is not compared). Only 1001 and 1102 keys are *recorded* (OpStat 11) when
  refused.
* **Bank check (§6.2 rule 3).** A configured or per-account ``bank_error`` fault answers 99090
  after checks (i) and (ii) (key-level) and before the account checks (iii)-(vii).
* **Reversals (§6.3, §11 6.3).** The bank records every reversal answered 1, including one of a
  failed debit (so that "never will" holds); a failed debit keeps OpStat 21 (it has no TaxDate
  and is absent from the 3122). A debit still pending at the bank (``bank_delay_s``) when its
  reversal arrives is later answered 24020 and counts as blocked before it was made.
* **Forced OpStat 98 (fault ``opstat:98``).** For a single debit the ETS also *forgets* the key
  (the bank keeps its own record), so the gateway's resend of the same 1001 is forwarded and
  the bank answers 94051 (§6.2 check (i)); the money moved once and the 3122 still lists it.
  For a package a forced 98 only changes the answer.
* **2102 redelivery (§6.10, §11 6.10).** A redelivered 2102 keeps the HEAD WorkDate of the
  first copy: the gateway takes the package's reconciliation date from it (§6.8), and the
  3122 uses that date (ChkDate). Its MsgID is new; MsgRef/CorrelId are the 1102's.
* **94051 items** (a key that had already succeeded) are not listed again in a 3122: the money
  moved once, under the first success.
* **Counter payments (§6.4, §11 6.4).** ``counter_pay`` without an account is a cash payment
  (no account debit, ledger debit only). A 2108 refused by the gateway (9120 other than 90000)
  is not settled; the bank returns the money to the payer (ledger ``return``). Only the first
  9120 to any copy of a 2108 counts.
* **Undeliverable packages (§6.6 rule 3).** A package is answered 9122 99090 when an
  ``undeliverable`` fault applies or, with ``CHECK_PACKAGE_BRANCHES``, when an item's
  PayOpBkCode is not a branch of the package's bank known to the simulator.
* **Day switch (§11 6.11).** Pending single debits of the closing date are finalised at the
  bank before the 9101 SysStat 1, so their TaxDate is the closing date. TaxOrgCodes: every code
  configured for, or seen from, the gateway's node, in code order. The 3122 PackNo is one
  counter per ChkDate, shared by all TaxOrgCodes (unique per ChkDate, §11 4.2).
* **3128 (§6.9, §11 6.9).** Special accounts: those configured; otherwise one per treasury
  learned from TurnAccount blocks (PayeeOrgCode, PayeeAcct, PayeeName); otherwise
  :data:`DEFAULT_SPECIAL_ACCOUNT`. TodayPay is the configured outflow (0.00) and is capped at
  YesterdayBalance + TodayReceipt so that TodayBalance stays amt0.
* **Known banks (§11 6.1, 6.2).** A PayBkCode is known to the ETS iff the simulator holds an
  account or an agreement of it (loaded from the seed file); otherwise 92006.
* **ChkDate in a 9004 (§6.10).** A single debit: its EntrustDate (§6.8: it belongs to that
  date), also for OpStat 11; a package: the HEAD WorkDate of its 2102, else the current work
  date; OpStat 98: the current work date.
* **What is never produced without a fault**: OpStat 99, a 9120 answering a 9003 or 9005 with
  a refusal, a 9120 refusing a 1021, a 2102 refusing a whole package (Result not 90000),
  SysStat 2 (maintenance).
* **MsgIDs** are ``yyyyMMddHHmmss`` of the simulator's clock + the last 6 digits of one database
  counter: unique unless a million messages share one second of the clock.
* **Work date at first start**: ``gateway.initial_work_date``, else the clock's date.
"""

from __future__ import annotations

#: Key separator in stored business keys (``TaxOrgCode|EntrustDate|TraNo``).
KEY_SEP = "|"

#: §11 6.4: the ETS resends an unanswered 2108 at most this many times, this far apart.
COUNTER_RESENDS = 3
COUNTER_RESEND_INTERVAL_S = 10.0

#: §6.8: a 3122 sub-package holds at most this many items (fixed by the interface).
MAX_3122_ITEMS = 3000

#: §6.6 rule 3: refuse delivery of a package naming a branch the bank does not have.
CHECK_PACKAGE_BRANCHES = True

#: Result of a 9122 (the bank could not take the package, §5: 99090 is listed for 9122).
UNDELIVERABLE_RESULT = "99090"

#: (TreCode, AcctCode, AcctName) when no special account is configured or learned (§11 6.9).
DEFAULT_SPECIAL_ACCOUNT = ("4401000000", "4401000000270001", "国家金库广州市中心支库")

#: How many stored answers, due jobs and inbound messages one pass handles at most.
JOBS_PER_PASS = 200

#: Idle wait of ``Simulator.run`` between polls when nothing happened (seconds).
IDLE_POLL_S = 0.01
#: On a SQLite store, the longest idle sleep without a commit to it or a job falling due.
IDLE_WAKE_S = 0.25
#: Inbound messages handled in one unit of work (one commit) when several are waiting.
BATCH_PER_UNIT = 50
#: ... and at most this long (seconds): the unit holds the store's write lock meanwhile.
BATCH_BUDGET_S = 0.05
