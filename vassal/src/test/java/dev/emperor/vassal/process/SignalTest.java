package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignalTest {

    @Test
    void numbersAreLinuxs() {
        assertThat(Signal.HUP.number()).isEqualTo(1);
        assertThat(Signal.INT.number()).isEqualTo(2);
        assertThat(Signal.QUIT.number()).isEqualTo(3);
        assertThat(Signal.KILL.number()).isEqualTo(9);
        assertThat(Signal.USR1.number()).isEqualTo(10);
        assertThat(Signal.USR2.number()).isEqualTo(12);
        assertThat(Signal.TERM.number()).isEqualTo(15);
        assertThat(Signal.CONT.number()).isEqualTo(18);
        assertThat(Signal.STOP.number()).isEqualTo(19);
        assertThat(Signal.WINCH.number()).isEqualTo(28);
    }

    @Test
    void parsesNamesWithOrWithoutSigInAnyCaseAndNumbers() {
        assertThat(Signal.parse("SIGTERM")).contains(Signal.TERM);
        assertThat(Signal.parse("TERM")).contains(Signal.TERM);
        assertThat(Signal.parse("term")).contains(Signal.TERM);
        assertThat(Signal.parse("sigQuit")).contains(Signal.QUIT);
        assertThat(Signal.parse(" SIGINT ")).contains(Signal.INT);
        assertThat(Signal.parse("15")).contains(Signal.TERM);
        assertThat(Signal.parse("9")).contains(Signal.KILL);
        assertThat(Signal.parse("SIG9")).contains(Signal.KILL);
        for (Signal s : Signal.values()) {
            assertThat(Signal.parse(s.toString())).contains(s);
            assertThat(Signal.parse(Integer.toString(s.number()))).contains(s);
        }
    }

    @Test
    void refusesWhatItDoesNotKnow() {
        assertThat(Signal.parse("")).isEmpty();
        assertThat(Signal.parse("SIG")).isEmpty();
        assertThat(Signal.parse("SIGFOO")).isEmpty();
        assertThat(Signal.parse("99")).isEmpty();
        assertThat(Signal.parse("-15")).isEmpty();
        assertThat(Signal.parse("015")).isEmpty();
        assertThat(Signal.parse("SIGTERMX")).isEmpty();
    }

    @Test
    void printsAsSigName() {
        assertThat(Signal.TERM).hasToString("SIGTERM");
        assertThat(Signal.describe(9)).isEqualTo("SIGKILL");
        assertThat(Signal.describe(15)).isEqualTo("SIGTERM");
        assertThat(Signal.describe(11)).isEqualTo("signal 11");
    }
}
