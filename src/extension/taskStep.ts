// The Task step of Train Model on Active File…: proposes the task detected from the file, offers
// the others, and shows a task's expected format when the file does not fit the one picked.

import * as vscode from 'vscode';
import type { TaskName } from '../training/tasks/taskFormat.js';
import { taskFitProblem, taskQuestion } from './taskChoices.js';

/** Asks which task to train on `text`; undefined when the user cancels or the file does not fit. */
export async function askTask(title: string, text: string, file: string): Promise<TaskName | undefined> {
  const question = taskQuestion(text, file);
  const picked = await vscode.window.showQuickPick(question.choices, { title, placeHolder: question.placeHolder, ignoreFocusOut: true });
  if (!picked) return undefined;
  const problem = taskFitProblem(picked.task, text, file);
  if (problem) {
    void vscode.window.showErrorMessage(problem);
    return undefined;
  }
  return picked.task;
}
