package dev.emperor.cli.top;

/** What a key press asks of top. */
public enum Key {
    UP, DOWN, PAGE_UP, PAGE_DOWN, HOME, END, TOGGLE, SORT, QUIT
}
