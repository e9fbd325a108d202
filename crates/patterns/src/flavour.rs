//! One solution text, two flavours.
//!
//! The book's solutions read the same for threads and for tasks: the only
//! difference is that an async task writes `.await` after each operation that
//! may wait. So every solution in this crate is written **once**, as async
//! code, inside [`flavours!`](crate::flavours), which emits it twice:
//!
//! * in the enclosing module, for `std::thread`: the text with `async` and
//!   every `.await` removed, built on [`crate::blocking`];
//! * in a submodule `tasks`, for async code: the text exactly as written,
//!   built on [`crate::tasks`].
//!
//! The rewriting is purely syntactic, done by [`__blocking_flavour!`](crate::__blocking_flavour): `async
//! fn` becomes `fn`, `.await` disappears, `async move { .. }` becomes
//! `move || { .. }` (a block to run on a thread). Nothing else changes, so a
//! reader checks one text against the book, and a test of one flavour tests
//! the same solution as the other.

/// Emits `items` (written as async code) twice: here with `async`/`.await`
/// stripped and the primitives named in `use {..}` taken from
/// [`crate::blocking`]; and in `pub mod tasks` as written, with the
/// primitives taken from [`crate::tasks`]. Items that do not depend on the
/// flavour (plain enums, callback traits) belong outside the macro:
/// `tasks` re-exports them through `pub use super::*`.
#[doc(hidden)]
#[macro_export]
macro_rules! flavours {
    (use {$($prim:ident),* $(,)?}; $($items:tt)*) => {
        #[allow(unused_imports)]
        use $crate::blocking::{$($prim),*};
        $crate::__blocking_flavour! { $($items)* }

        /// The async flavour: the same solution text as the parent module,
        /// with `.await` wherever a task may wait, built on
        /// [`crate::tasks`]. Every type here has the same name, API and
        /// guarantees as its namesake in the parent module; methods that may
        /// wait are `async fn`. Futures are not cancel-safe unless a method
        /// says so: dropping one half-way leaves the solution's counters as a
        /// killed thread would.
        pub mod tasks {
            // Everything the parent module defines outside the macro (plain
            // enums, callback traits) is part of this flavour's API too.
            #[allow(unused_imports)]
            pub use super::*;
            #[allow(unused_imports)]
            use $crate::tasks::{$($prim),*};
            $($items)*
        }
    };
}

/// The blocking flavour of async code: removes `.await`, turns `async fn`
/// into `fn` and `async move { .. }` into `move || { .. }`, recursing into
/// every group. A tt-muncher with an explicit stack of open groups (each
/// frame: delimiter, output so far, input left), so the crate sets a high
/// `recursion_limit`.
#[doc(hidden)]
#[macro_export]
macro_rules! __blocking_flavour {
    (@ [$($o:tt)*] []) => { $($o)* };
    (@ [$($o:tt)*] [] {} [$($oo:tt)*] [$($or:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [$($oo)* { $($o)* }] [$($or)*] $($s)* }
    };
    (@ [$($o:tt)*] [] () [$($oo:tt)*] [$($or:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [$($oo)* ( $($o)* )] [$($or)*] $($s)* }
    };
    (@ [$($o:tt)*] [] [] [$($oo:tt)*] [$($or:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [$($oo)* [ $($o)* ]] [$($or)*] $($s)* }
    };
    (@ [$($o:tt)*] [. await $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [$($o)*] [$($r)*] $($s)* }
    };
    (@ [$($o:tt)*] [async fn $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [$($o)* fn] [$($r)*] $($s)* }
    };
    (@ [$($o:tt)*] [async move { $($g:tt)* } $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [] [$($g)*] {} [$($o)* move ||] [$($r)*] $($s)* }
    };
    (@ [$($o:tt)*] [{ $($g:tt)* } $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [] [$($g)*] {} [$($o)*] [$($r)*] $($s)* }
    };
    (@ [$($o:tt)*] [( $($g:tt)* ) $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [] [$($g)*] () [$($o)*] [$($r)*] $($s)* }
    };
    (@ [$($o:tt)*] [[ $($g:tt)* ] $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [] [$($g)*] [] [$($o)*] [$($r)*] $($s)* }
    };
    (@ [$($o:tt)*] [$t:tt $($r:tt)*] $($s:tt)*) => {
        $crate::__blocking_flavour! { @ [$($o)* $t] [$($r)*] $($s)* }
    };
    ($($t:tt)*) => { $crate::__blocking_flavour! { @ [] [$($t)*] } };
}
