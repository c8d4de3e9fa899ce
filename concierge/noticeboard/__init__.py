"""The neighbourhood noticeboard: notices coordinators post, questions answered from them, and
the weekly bulletin residents subscribe to."""
