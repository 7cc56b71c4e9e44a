//! The workspace's own checks (see the crate's documentation), one test each. A failure lists
//! every problem its check found, as sentences.

use checks::{excerpts, guide, guide_pages, lessons, links, root, sizes};

#[test]
fn lessons_keep_to_their_sizes_and_the_lists_name_every_step() {
    // Prints each lesson's size against its target (`cargo xtask lessons` shows it).
    if let Err(problems) = lessons::run() {
        panic!("{problems}");
    }
}

#[test]
fn the_guide_is_a_learners_path() {
    let problems = guide::run(&root()).unwrap_or_else(|err| vec![err]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_link_of_the_guide_and_the_readmes_resolves() {
    let root = root();
    let mut pages = guide_pages(&root).unwrap_or_default();
    pages.push(root.join("README.md"));
    for exercise in checks::course::EXERCISES {
        pages.push(root.join("exercises").join(exercise).join("README.md"));
    }
    let mut problems = Vec::new();
    for page in &pages {
        problems.extend(links::check_links(&root, page).unwrap_or_else(|err| vec![err]));
    }
    assert!(pages.len() > 40, "{pages:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_tools_keep_to_their_limits() {
    let mut problems = sizes::problems(&root());
    problems.extend(sizes::unlinted(&root()));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_guides_excerpts_are_whole_lines_of_their_files() {
    let problems = excerpts::problems(&root()).unwrap_or_else(|err| vec![err]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_chapters_questions_are_well_formed_and_their_tests_exist() {
    let root = root();
    let tests = checks::quiz::test_names(&root);
    let mut problems = Vec::new();
    for page in guide_pages(&root).unwrap_or_default() {
        let text = checks::read(&page).unwrap_or_default();
        let name = checks::relative(&page);
        problems.extend(checks::quiz::form_problems(&name, &text, &tests));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Run by `cargo xtask docs`, once the scene tests have written the transcripts.
#[test]
#[ignore = "needs the transcripts: cargo xtask docs runs it after the scene tests"]
fn questions_answers_are_what_the_recorded_runs_print() {
    let root = root();
    let outputs = checks::quiz::transcripts(&root.join("target").join("transcripts"));
    let (mut problems, mut asked, mut chapters) = (Vec::new(), 0, 0);
    for page in guide_pages(&root).unwrap_or_default() {
        let text = checks::read(&page).unwrap_or_default();
        let questions = checks::quiz::questions(&text).len();
        (asked, chapters) = (asked + questions, chapters + usize::from(questions > 0));
        let name = checks::relative(&page);
        problems.extend(checks::quiz::transcript_problems(&name, &text, &outputs));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("checks: {asked} questions in {chapters} chapters, each answer held");
}
