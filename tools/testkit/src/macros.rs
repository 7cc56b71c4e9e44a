//! [`step_checks!`](crate::step_checks): the shared checks of [`crate::checks`] as `#[test]`
//! functions, so that each step's test file holds only what is particular to it, and no step
//! can miss one of the shared behaviours.

/// Generates the `#[test]` functions every step shares, from the functions of `checks`.
///
/// Every step: no server, a URL that is not a NATS address, and its connection's name in the
/// server's monitoring, against `server` (the kind of server it expects, `ServerOptions::new()`
/// unless given).
///
/// `plain` steps (no credentials) also: a server that requires credentials (the refusal must
/// mention `auth_hint`) and credentials written in the URL. `auth` steps (user and password):
/// a wrong password, and URL credentials that cannot be used as they are. `token` steps: the
/// token is given in `NATS_TOKEN`.
///
/// With `subject_args` (a subject turned into the step's arguments), invalid subjects too.
/// With `needs: (step, version)`, a JetStream step that needs a newer server than 2.10 is run
/// against 2.10 and must say so in one sentence.
#[macro_export]
macro_rules! step_checks {
    (plain: $bin:expr, auth_hint: $hint:expr, subject_args: $args:expr $(,)?) => {
        $crate::step_checks!(plain: $bin, auth_hint: $hint, server: $crate::ServerOptions::new());
        $crate::step_checks!(@subjects $bin, $crate::ServerOptions::new(), &[], $args);
    };
    (plain: $bin:expr, auth_hint: $hint:expr, server: $server:expr $(,)?) => {
        $crate::step_checks!(@every $bin, &[], $server);

        #[test]
        fn auth_server_refuses_it_with_a_hint() {
            $crate::checks::refused_by_auth_server($bin, $hint);
        }

        #[test]
        fn credentials_in_the_url_are_refused_not_dropped() {
            $crate::checks::refuses_credentials_in_url($bin);
        }
    };
    (jetstream: $bin:expr, needs: ($step:expr, $version:expr) $(,)?) => {
        $crate::step_checks!(jetstream: $bin);

        #[test]
        fn an_older_server_hears_which_version_it_needs() {
            $crate::needs_a_newer_server($bin, $step, $version);
        }
    };
    (jetstream: $bin:expr $(,)?) => {
        $crate::step_checks!(
            plain: $bin,
            auth_hint: "cargo xtask server",
            server: $crate::ServerOptions::new().jetstream(None),
        );

        #[test]
        fn no_server_hint_names_a_server_with_jetstream() {
            $crate::checks::no_server_hint_names($bin, "`cargo xtask server --jetstream`");
        }
    };
    (auth: $bin:expr, subject_args: $args:expr $(,)?) => {
        $crate::step_checks!(auth: $bin, server: $crate::ServerOptions::new().auth("foo", "bar"));
        $crate::step_checks!(
            @subjects $bin, $crate::ServerOptions::new().auth("foo", "bar"), &[], $args
        );
    };
    (auth: $bin:expr, server: $server:expr $(,)?) => {
        $crate::step_checks!(@every $bin, &[("NATS_PASSWORD", "no-server-pass")], $server);

        #[test]
        fn a_wrong_password_is_refused_with_a_hint() {
            $crate::checks::wrong_password_is_refused($bin);
        }

        #[test]
        fn url_credentials_it_cannot_use_are_refused() {
            $crate::checks::refuses_unusable_credentials_in_url($bin);
        }
    };
    (token: $bin:expr, token: $token:expr, subject_args: $args:expr $(,)?) => {
        $crate::step_checks!(
            @every $bin, &[("NATS_TOKEN", $token)], $crate::ServerOptions::new().token($token)
        );
        $crate::step_checks!(
            @subjects $bin,
            $crate::ServerOptions::new().token($token),
            &[("NATS_TOKEN", $token)],
            $args
        );
    };
    (@every $bin:expr, $env:expr, $server:expr) => {
        #[test]
        fn no_server_is_one_clear_sentence_and_exit_1() {
            $crate::checks::fails_clearly_without_server($bin, $env);
        }

        #[test]
        fn invalid_url_is_explained() {
            $crate::checks::explains_invalid_url($bin);
        }

        #[test]
        fn names_its_connection_for_the_servers_monitoring() {
            $crate::checks::names_its_connection_with($bin, $server, $env);
        }
    };
    (@subjects $bin:expr, $server:expr, $env:expr, $args:expr) => {
        #[test]
        fn invalid_subjects_are_explained() {
            $crate::checks::explains_invalid_subjects($bin, $server, $env, $args);
        }
    };
}
