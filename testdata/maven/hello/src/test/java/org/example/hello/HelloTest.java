package org.example.hello;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class HelloTest {
    @Test
    public void greets() {
        assertEquals("Hello, Ferry!", Hello.greet("ferry"));
    }
}
