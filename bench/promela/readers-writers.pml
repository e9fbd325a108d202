/* Readers-writers with the Lightswitch pattern: N writers and N readers, looping forever
   (spin -DN=2 -a). Mirrors bench/sync/readers-writers.sync. Differences from the Sync semantics:
   - weak semaphores are  atomic { s > 0 -> s-- } : a signal does not hand the semaphore to a
     waiter (lbos: the woken waiter moves past its wait at once, no barging);
   - the Lightswitch is inlined as lbos runs it, four steps per call: wait on its mutex,
     counter update, "if the counter is 1 (0), wait on (signal) roomEmpty" as one step, signal
     its mutex; the counter is protected by the mutex, so testing it inside the atomic wait is
     the same as testing it first;
   - the invariant (at most one writer, never readers and writers together) is asserted in the
     same atomic step as the increments that could falsify it; lbos checks it after every step;
   - statement granularity differs, so the state counts are not expected to be equal. */
#ifndef N
#define N 2
#endif
#define wait(s)   atomic { s > 0 -> s-- }
#define signal(s) s++
#define inv assert(writersInside <= 1 && (writersInside == 0 || readersInside == 0))

byte roomEmpty = 1;
byte lsMutex = 1;       /* readLightswitch's mutex */
byte lsCounter = 0;     /* readLightswitch's counter */
byte readersInside = 0;
byte writersInside = 0;

active [N] proctype writer() {
  do
  :: wait(roomEmpty);
     atomic { writersInside++; inv };
     skip;                              /* critical section for writers */
     writersInside--;
     signal(roomEmpty)
  od
}

active [N] proctype reader() {
  do
  :: wait(lsMutex);                     /* readLightswitch.lock(roomEmpty) */
     lsCounter++;
     if
     :: atomic { lsCounter == 1 && roomEmpty > 0 -> roomEmpty-- }
     :: lsCounter != 1
     fi;
     signal(lsMutex);
     atomic { readersInside++; inv };
     skip;                              /* critical section for readers */
     readersInside--;
     wait(lsMutex);                     /* readLightswitch.unlock(roomEmpty) */
     lsCounter--;
     atomic { if :: lsCounter == 0 -> signal(roomEmpty) :: else fi };
     signal(lsMutex)
  od
}
