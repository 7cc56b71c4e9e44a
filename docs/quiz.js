// The guide's questions in the book. Each <details class="quiz"> of a chapter holds a question
// (its <summary>), its choices (a task list, the answer ticked) or a short answer
// ("Answer: **3**"), and the explanation. On a code host the markdown shows them folded; here
// the question opens with buttons, and the explanation shows once it is answered.
(() => {
  for (const [index, quiz] of document.querySelectorAll("details.quiz").entries()) {
    quiz.open = true;
    quiz.dataset.question = String(index + 1);
    const summary = quiz.querySelector("summary");
    summary.addEventListener("click", (event) => event.preventDefault()); // stays open
    const list = quiz.querySelector("ul");
    const rest = [...quiz.children].filter((part) => part !== summary && part !== list);
    const shortAnswer = rest.find((part) => part.textContent.startsWith("Answer:"));
    for (const part of rest) part.hidden = true;
    const verdict = document.createElement("p");
    verdict.className = "quiz-verdict";
    const answered = (right, chosen) => {
      if (quiz.classList.contains("answered")) return;
      quiz.classList.add("answered");
      verdict.textContent = right ? "Right." : "Not this one: the answer is marked.";
      verdict.classList.add(right ? "right" : "wrong");
      for (const part of rest) part.hidden = part === shortAnswer && right;
      quiz.dispatchEvent(new CustomEvent("quiz-answered", { detail: { right, chosen }, bubbles: true }));
    };
    if (list) {
      for (const [choice, item] of [...list.children].entries()) {
        const box = item.querySelector("input[type=checkbox]");
        if (!box) continue;
        const right = box.checked;
        box.remove();
        const button = document.createElement("button");
        button.type = "button";
        button.className = "quiz-choice";
        button.dataset.choice = String(choice + 1);
        button.append(...item.childNodes);
        item.append(button);
        button.addEventListener("click", () => {
          button.classList.add(right ? "right" : "wrong");
          list.querySelectorAll("button").forEach((other, at) => {
            if (list.children[at].dataset.right === "true") other.classList.add("right");
          });
          answered(right, choice + 1);
        });
        item.dataset.right = String(right);
      }
      list.after(verdict);
    } else if (shortAnswer) {
      const expected = (shortAnswer.querySelector("strong")?.textContent ?? "").trim();
      const form = document.createElement("form");
      const input = document.createElement("input");
      input.setAttribute("aria-label", "your answer");
      const button = document.createElement("button");
      button.textContent = "Answer";
      form.append(input, button);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        answered(input.value.trim().toLowerCase() === expected.toLowerCase(), input.value.trim());
      });
      summary.after(form);
      form.after(verdict);
    }
  }
})();
