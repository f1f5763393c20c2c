package org.example.hello;

import org.apache.commons.lang3.StringUtils;

/** Greets, through a real dependency. */
public final class Hello {
    private Hello() {}

    /** Returns the greeting for name. */
    public static String greet(String name) {
        return "Hello, " + StringUtils.capitalize(name) + "!";
    }
}
